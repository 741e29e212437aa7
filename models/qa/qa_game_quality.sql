{{ incremental_by_game_config() }}

-- Grain: tracked game. What the game's data can support, and a grade that gates which games feed
-- on-ice and model numbers: A complete and consistent; B complete with minor tracking slips;
-- C goals do not match the official score; D partial or without usable shifts (on-ice numbers
-- null); F unusable (no events). The worst finding sets the grade; every finding is a reason.
with games as (select * from {{ ref('stg_tracker__games') }} where {{ games_to_build() }}),

coverage as (select * from {{ ref('int_game_shift_coverage') }} where {{ games_to_build() }}),

events as (select * from {{ ref('fact_events') }} where {{ games_to_build() }}),

shifts as (select * from {{ ref('fact_shifts') }} where {{ games_to_build() }}),

shots as (select * from {{ ref('fact_shots') }} where {{ games_to_build() }}),

goals as (select * from {{ ref('fact_goals') }} where {{ games_to_build() }}),

event_players as (select * from {{ ref('fact_event_players') }} where {{ games_to_build() }}),

reconciliation as (select * from {{ ref('qa_goal_reconciliation') }} where {{ games_to_build() }}),

unknown_jerseys as (select * from {{ ref('qa_unknown_jerseys') }} where {{ games_to_build() }}),

assist_anomalies as (select * from {{ ref('qa_assist_anomalies') }} where {{ games_to_build() }}),

rosters as (select distinct game_id from {{ ref('stg_tracker__rosters') }} where {{ games_to_build() }}),

outcomes as (select detail1 from {{ ref('dim_shot_outcome') }}),

warnings as (select * from {{ ref('stg_tracker__load_warnings') }} where {{ games_to_build() }}),

-- Each measure aggregated once per game, then joined: no per-game scans of the large facts.
event_counts as (
    select
        game_id,
        count(*) filter (where shift_id is not null and not strength_state_valid) as invalid_strength_events,
        count(*) filter (
            where event_type = 'Shot' and (detail1 is null or detail1 not in (select detail1 from outcomes))
        ) as unmapped_shot_events,
        count(*) filter (where event_type in ('Shot', 'Goal') and venue is null) as teamless_shot_events,
        -- Markers (game start/end, intermissions, dead ice) carry blank clocks by design.
        count(*) filter (
            where elapsed_s is null
                and event_type not in ('GameStart', 'GameEnd', 'Intermission', 'DeadIce', 'Clockstop')
        ) as untimed_events
    from events
    group by game_id
),

shift_counts as (
    select game_id, count(*) filter (where is_zero_length) as zero_length_shifts
    from shifts
    group by game_id
),

jersey_counts as (select game_id, count(*) as unknown_jerseys from unknown_jerseys group by game_id),

duplicate_counts as (
    select game_id, count(distinct event_id) as duplicate_player_events
    from event_players
    where is_duplicate_in_event
    group by game_id
),

goal_counts as (
    select game_id, count(*) filter (where a1_player_id is null) as goals_without_assists
    from goals
    group by game_id
),

assist_counts as (
    select game_id, count(*) as assist_anomalies
    from assist_anomalies
    where anomaly <> 'tertiary_not_counted'
    group by game_id
),

shot_counts as (
    select game_id, count(*) as attempts, count(*) filter (where x is not null) as attempts_with_xy
    from shots
    group by game_id
),

warning_counts as (
    select game_id, count(*) filter (where code like '%clock%') as clock_warnings
    from warnings
    group by game_id
),

reconciled as (
    select
        game_id,
        count(*) filter (where status = 'mismatch') as goal_mismatches,
        max(goals_tracked) filter (where venue = 'home') as goals_tracked_home,
        max(goals_tracked) filter (where venue = 'away') as goals_tracked_away,
        max(goals_official) filter (where venue = 'home') as goals_official_home,
        max(goals_official) filter (where venue = 'away') as goals_official_away
    from reconciliation
    group by game_id
),

counts as (
    select
        g.game_id,
        g.load_id,
        g.event_count as events,
        g.shift_count as shifts,
        r.game_id is not null as has_roster,
        c.has_events,
        c.has_usable_shifts,
        c.periods_tracked,
        c.shift_coverage,
        c.full_on_ice_share,
        coalesce(ec.invalid_strength_events, 0) as invalid_strength_events,
        coalesce(sc.zero_length_shifts, 0) as zero_length_shifts,
        coalesce(jc.unknown_jerseys, 0) as unknown_jerseys,
        coalesce(dc.duplicate_player_events, 0) as duplicate_player_events,
        coalesce(gc.goals_without_assists, 0) as goals_without_assists,
        coalesce(ac.assist_anomalies, 0) as assist_anomalies,
        coalesce(shc.attempts_with_xy, 0) as attempts_with_xy,
        coalesce(shc.attempts, 0) as attempts,
        coalesce(ec.unmapped_shot_events, 0) as unmapped_shot_events,
        coalesce(wc.clock_warnings, 0) as clock_warnings,
        coalesce(ec.untimed_events, 0) as untimed_events,
        coalesce(ec.teamless_shot_events, 0) as teamless_shot_events,
        coalesce(rc.goal_mismatches, 0) as goal_mismatches,
        rc.goals_tracked_home,
        rc.goals_tracked_away,
        rc.goals_official_home,
        rc.goals_official_away
    from games as g
    inner join coverage as c on c.game_id = g.game_id
    left join rosters as r on r.game_id = g.game_id
    left join event_counts as ec on ec.game_id = g.game_id
    left join shift_counts as sc on sc.game_id = g.game_id
    left join jersey_counts as jc on jc.game_id = g.game_id
    left join duplicate_counts as dc on dc.game_id = g.game_id
    left join goal_counts as gc on gc.game_id = g.game_id
    left join assist_counts as ac on ac.game_id = g.game_id
    left join shot_counts as shc on shc.game_id = g.game_id
    left join warning_counts as wc on wc.game_id = g.game_id
    left join reconciled as rc on rc.game_id = g.game_id
),

findings as (
    select
        c.*,
        -- One finding per line, so the list reads as a table (long lines on purpose).
        -- noqa: disable=LT05
        array_remove(array[
            case when not c.has_events then 'F:no events (a template or an empty export)' end,
            case when c.has_events and c.periods_tracked < 3 then 'D:partial: ' || c.periods_tracked || ' of 3 periods tracked' end,
            case when c.has_events and not c.has_usable_shifts then
                'D:no usable shifts (' || coalesce(round(c.shift_coverage * 100), 0) || '% of tracked time covered): on-ice numbers are null' end,
            case when c.goal_mismatches > 0 then 'C:tracked goals differ from the official score' end,
            case when c.unmapped_shot_events > 0 then 'C:' || c.unmapped_shot_events || ' shot events with a detail missing from dim_shot_outcome (left out of totals)' end,
            case when c.invalid_strength_events > 0 then 'B:' || c.invalid_strength_events || ' events with skater counts outside 3..6' end,
            case when c.unknown_jerseys > 0 then 'B:' || c.unknown_jerseys || ' jerseys not on the game''s rosters' end,
            case when c.duplicate_player_events > 0 then 'B:' || c.duplicate_player_events || ' events name the same player twice' end,
            case when c.assist_anomalies > 0 then 'B:' || c.assist_anomalies || ' assist flags that do not count' end,
            case when c.zero_length_shifts > 0 then 'B:' || c.zero_length_shifts || ' zero-length shifts dropped' end,
            case when c.teamless_shot_events > 0 then
                'B:' || c.teamless_shot_events || ' shots or goals without a team (counted for neither side)' end,
            case when c.untimed_events > 0 then 'B:' || c.untimed_events || ' events without a usable clock (blank or broken)' end
        ], null) as coded_reasons
        -- noqa: enable=LT05
    from counts as c
),

final as (
    select
        game_id,
        coalesce((select max(left(r, 1)) from unnest(coded_reasons) as r), 'A') as grade,
        coalesce(array(select substr(r, 3) from unnest(coded_reasons) as r), '{}') as reasons,
        has_events,
        shifts > 0 as has_shifts,
        has_usable_shifts,
        has_roster,
        events,
        shifts,
        periods_tracked,
        shift_coverage,
        full_on_ice_share,
        invalid_strength_events::integer as invalid_strength_events,
        zero_length_shifts::integer as zero_length_shifts,
        unknown_jerseys::integer as unknown_jerseys,
        duplicate_player_events::integer as duplicate_player_events,
        goals_without_assists::integer as goals_without_assists,
        assist_anomalies::integer as assist_anomalies,
        attempts::integer as attempts,
        attempts_with_xy::integer as attempts_with_xy,
        unmapped_shot_events::integer as unmapped_shot_events,
        clock_warnings::integer as clock_warnings,
        untimed_events::integer as untimed_events,
        teamless_shot_events::integer as teamless_shot_events,
        goals_tracked_home,
        goals_tracked_away,
        goals_official_home,
        goals_official_away,
        load_id
    from findings
)

select * from final
