-- Grain: tracked game. What the game's data can support, and a grade that gates which games feed
-- on-ice and model numbers: A complete and consistent; B complete with minor tracking slips;
-- C goals do not match the official score; D partial or without usable shifts (on-ice numbers
-- null); F unusable (no events). The worst finding sets the grade; every finding is a reason.
with games as (select * from {{ ref('stg_tracker__games') }}),

coverage as (select * from {{ ref('int_game_shift_coverage') }}),

events as (select * from {{ ref('fact_events') }}),

shifts as (select * from {{ ref('fact_shifts') }}),

shots as (select * from {{ ref('fact_shots') }}),

goals as (select * from {{ ref('fact_goals') }}),

event_players as (select * from {{ ref('fact_event_players') }}),

reconciliation as (select * from {{ ref('qa_goal_reconciliation') }}),

unknown_jerseys as (select * from {{ ref('qa_unknown_jerseys') }}),

assist_anomalies as (select * from {{ ref('qa_assist_anomalies') }}),

rosters as (select distinct game_id from {{ ref('stg_tracker__rosters') }}),

outcomes as (select detail1 from {{ ref('dim_shot_outcome') }}),

warnings as (select * from {{ ref('stg_tracker__load_warnings') }}),

counts as (
    select
        g.game_id,
        g.event_count as events,
        g.shift_count as shifts,
        r.game_id is not null as has_roster,
        c.has_events,
        c.has_usable_shifts,
        c.periods_tracked,
        c.shift_coverage,
        c.full_on_ice_share,
        (select count(*) from events as e where e.game_id = g.game_id and e.shift_id is not null and not e.strength_state_valid) as invalid_strength_events,
        (select count(*) from shifts as s where s.game_id = g.game_id and s.is_zero_length) as zero_length_shifts,
        (select count(*) from unknown_jerseys as u where u.game_id = g.game_id) as unknown_jerseys,
        (select count(distinct p.event_id) from event_players as p where p.game_id = g.game_id and p.is_duplicate_in_event) as duplicate_player_events,
        (select count(*) from goals as gl where gl.game_id = g.game_id and gl.a1_player_id is null) as goals_without_assists,
        (select count(*) from assist_anomalies as a where a.game_id = g.game_id and a.anomaly <> 'tertiary_not_counted') as assist_anomalies,
        (select count(*) from shots as s where s.game_id = g.game_id and s.x is not null) as attempts_with_xy,
        (select count(*) from shots as s where s.game_id = g.game_id) as attempts,
        (
            select count(*) from events as e
            where e.game_id = g.game_id and e.event_type = 'Shot'
                and (e.detail1 is null or e.detail1 not in (select detail1 from outcomes))
        ) as unmapped_shot_events,
        (select count(*) from warnings as w where w.game_id = g.game_id and w.code like '%clock%') as clock_warnings,
        (select count(*) from reconciliation as rc where rc.game_id = g.game_id and rc.status = 'mismatch') as goal_mismatches,
        (select rc.goals_tracked from reconciliation as rc where rc.game_id = g.game_id and rc.venue = 'home') as goals_tracked_home,
        (select rc.goals_tracked from reconciliation as rc where rc.game_id = g.game_id and rc.venue = 'away') as goals_tracked_away,
        (select rc.goals_official from reconciliation as rc where rc.game_id = g.game_id and rc.venue = 'home') as goals_official_home,
        (select rc.goals_official from reconciliation as rc where rc.game_id = g.game_id and rc.venue = 'away') as goals_official_away
    from games as g
    inner join coverage as c on c.game_id = g.game_id
    left join rosters as r on r.game_id = g.game_id
),

findings as (
    select
        c.*,
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
            case when c.clock_warnings > 0 then 'B:' || c.clock_warnings || ' blank or broken clock values' end,
            case when c.has_events and not c.has_roster then 'B:no tracker roster (jerseys resolved with the official roster)' end
        ], null) as coded_reasons
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
        goals_tracked_home,
        goals_tracked_away,
        goals_official_home,
        goals_official_away
    from findings
)

select * from final
