{{ incremental_by_game_config() }}

-- Grain: skater x tracked game. Counting stats from the event log; on-ice stats (TOI, shifts,
-- plus/minus, Corsi, Fenwick, shots and goals on ice) from shifts, and null, not zero, for a
-- game without usable shifts.
-- Every source is cut to the games being built first: all stats here are per game.
with games as (select * from {{ ref('int_game_shift_coverage') }} where {{ games_to_build() }}),

loads as (select game_id, load_id from {{ ref('stg_tracker__games') }} where {{ games_to_build() }}),

jerseys as (select * from {{ ref('int_game_jerseys_resolved') }} where {{ games_to_build() }}),

event_players as (select * from {{ ref('fact_event_players') }} where {{ games_to_build() }}),

shift_players as (select * from {{ ref('fact_shift_players') }} where {{ games_to_build() }}),

shots as (select * from {{ ref('fact_shots') }} where {{ games_to_build() }}),

goals as (select * from {{ ref('fact_goals') }} where {{ games_to_build() }}),

on_ice as (select * from {{ ref('fact_event_on_ice') }} where not is_goalie and {{ games_to_build() }}),

weights as (select stat, weight from {{ ref('game_score_weights') }} where player_kind = 'skater'),

tracker_rosters as (select * from {{ ref('stg_tracker__rosters') }} where {{ games_to_build() }}),

schedule as (select * from {{ ref('dim_schedule') }}),

skaters as (
    -- A player seen on both sides (a tracking slip) is kept once, on the side seen most.
    select game_id, player_id, mode() within group (order by venue) as venue, max(position_code) as position_code
    from (
        select game_id, player_id, venue, position_code from tracker_rosters
        where player_id is not null and coalesce(position_code, 'F') <> 'G'
        union all
        select game_id, player_id, venue, null from shift_players
        where player_id is not null and not is_goalie
        union all
        select ep.game_id, ep.player_id, ep.venue, j.position_code from event_players as ep
        left join jerseys as j on j.game_id = ep.game_id and j.venue = ep.venue and j.jersey = ep.jersey
        where ep.player_id is not null and coalesce(j.position_code, 'F') <> 'G'
    ) as seen
    group by game_id, player_id
),

scoring as (
    select game_id, player_id, sum(goals) as goals, sum(a1) as a1, sum(a2) as a2
    from (
        select game_id, scorer_player_id as player_id, 1 as goals, 0 as a1, 0 as a2 from goals
        union all
        select game_id, a1_player_id, 0, 1, 0 from goals where a1_player_id is not null
        union all
        select game_id, a2_player_id, 0, 0, 1 from goals where a2_player_id is not null
    ) as credits
    group by game_id, player_id
),

shooting as (
    select
        game_id,
        shooter_player_id as player_id,
        count(*) filter (where is_on_goal) as sog,
        count(*) as attempts,
        count(*) filter (where is_unblocked) as unblocked_attempts,
        count(*) filter (where outcome = 'missed') as missed_shots,
        count(*) filter (where outcome = 'blocked') as shots_blocked_against
    from shots
    group by game_id, shooter_player_id
),

blocking as (
    select game_id, blocker_player_id as player_id, count(*) as blocks
    from shots where blocker_player_id is not null
    group by game_id, blocker_player_id
),

event_counts as (
    select
        game_id,
        player_id,
        count(*) filter (where event_type = 'Faceoff' and role = 'event_player_1') as fo_wins,
        count(*) filter (where event_type = 'Faceoff' and role = 'opp_player_1') as fo_losses,
        count(*) filter (where detail1 = 'Turnover_Giveaway' and role = 'event_player_1') as giveaways,
        count(*) filter (where detail1 = 'Turnover_Takeaway' and role = 'event_player_1') as takeaways,
        count(*) filter (where event_type = 'Penalty' and role = 'event_player_1') as penalties_taken,
        count(*) filter (where event_type = 'Penalty' and role = 'opp_player_1') as penalties_drawn,
        count(*) filter (where detail1 = 'Zone_Entry' and role = 'event_player_1') as zone_entries,
        count(*) filter (where detail1 = 'Zone_Exit' and role = 'event_player_1') as zone_exits,
        count(*) filter (where event_type = 'Pass' and role = 'event_player_1') as passes,
        count(*) filter (where detail1 = 'Pass_Completed' and role = 'event_player_1') as passes_completed
    from event_players
    where player_id is not null
    group by game_id, player_id
),

bad_giveaways as (
    select game_id, player_id, count(*) filter (where is_bad_giveaway) as bad_giveaways
    from {{ ref('fact_turnovers') }}
    where player_id is not null and {{ games_to_build() }}
    group by game_id, player_id
),

penalty_minutes as (
    select game_id, taken_by_player_id as player_id, sum(pim) as pim
    from {{ ref('fact_penalties') }}
    where taken_by_player_id is not null and {{ games_to_build() }}
    group by game_id, taken_by_player_id
),

time_on_ice as (
    select game_id, player_id, sum(toi_seconds) as toi_seconds
    from shift_players
    where player_id is not null and not is_goalie and is_usable
    group by game_id, player_id
),

shift_islands as (select * from {{ ref('int_player_shift_islands') }}),

on_ice_shots as (
    select
        oi.game_id,
        oi.player_id,
        count(*) filter (where oi.is_event_team) as cf,
        count(*) filter (where not oi.is_event_team) as ca,
        count(*) filter (where oi.is_event_team and s.is_unblocked) as ff,
        count(*) filter (where not oi.is_event_team and s.is_unblocked) as fa,
        count(*) filter (where oi.is_event_team and s.is_on_goal) as sf,
        count(*) filter (where not oi.is_event_team and s.is_on_goal) as sa,
        count(*) filter (where oi.is_event_team and s.strength_state = '5v5') as cf_5v5,
        count(*) filter (where not oi.is_event_team and s.strength_state = '5v5') as ca_5v5
    from on_ice as oi
    inner join shots as s on s.event_id = oi.event_id
    where oi.player_id is not null
    group by oi.game_id, oi.player_id
),

on_ice_goals as (
    select
        oi.game_id,
        oi.player_id,
        count(*) filter (where oi.is_event_team) as gf_on_ice,
        count(*) filter (where not oi.is_event_team) as ga_on_ice,
        count(*) filter (where oi.is_event_team and g.strength_state = '5v5') as gf_5v5,
        count(*) filter (where not oi.is_event_team and g.strength_state = '5v5') as ga_5v5,
        -- Power-play goals do not count for plus/minus.
        sum(case when g.is_pp then 0 when oi.is_event_team then 1 else -1 end) as plus_minus
    from on_ice as oi
    inner join goals as g on g.event_id = oi.event_id
    where oi.player_id is not null
    group by oi.game_id, oi.player_id
),

assembled as (
    select
        sk.game_id,
        sk.player_id,
        {{ side_value('sk.venue', 'sch.home_team_id', 'sch.away_team_id') }} as team_id,
        sk.venue,
        coalesce(sk.position_code, 'F') as position,
        gm.has_usable_shifts,
        ld.load_id,
        coalesce(sc.goals, 0) as goals,
        coalesce(sc.a1, 0) as a1,
        coalesce(sc.a2, 0) as a2,
        coalesce(sh.sog, 0) as sog,
        coalesce(sh.attempts, 0) as attempts,
        coalesce(sh.unblocked_attempts, 0) as unblocked_attempts,
        coalesce(sh.missed_shots, 0) as missed_shots,
        coalesce(sh.shots_blocked_against, 0) as shots_blocked_against,
        coalesce(bl.blocks, 0) as blocks,
        coalesce(ec.fo_wins, 0) as fo_wins,
        coalesce(ec.fo_losses, 0) as fo_losses,
        coalesce(ec.giveaways, 0) as giveaways,
        coalesce(bg.bad_giveaways, 0) as bad_giveaways,
        coalesce(ec.takeaways, 0) as takeaways,
        coalesce(ec.penalties_taken, 0) as penalties_taken,
        coalesce(ec.penalties_drawn, 0) as penalties_drawn,
        coalesce(pm.pim, 0) as pim,
        coalesce(ec.zone_entries, 0) as zone_entries,
        coalesce(ec.zone_exits, 0) as zone_exits,
        coalesce(ec.passes, 0) as passes,
        coalesce(ec.passes_completed, 0) as passes_completed,
        case when gm.has_usable_shifts then coalesce(toi.toi_seconds, 0) end as toi_seconds,
        case when gm.has_usable_shifts then coalesce(si.shifts, 0) end as shifts,
        case when gm.has_usable_shifts then coalesce(og.plus_minus, 0) end as plus_minus,
        case when gm.has_usable_shifts then coalesce(os.cf, 0) end as cf,
        case when gm.has_usable_shifts then coalesce(os.ca, 0) end as ca,
        case when gm.has_usable_shifts then coalesce(os.ff, 0) end as ff,
        case when gm.has_usable_shifts then coalesce(os.fa, 0) end as fa,
        case when gm.has_usable_shifts then coalesce(os.sf, 0) end as sf,
        case when gm.has_usable_shifts then coalesce(os.sa, 0) end as sa,
        case when gm.has_usable_shifts then coalesce(og.gf_on_ice, 0) end as gf_on_ice,
        case when gm.has_usable_shifts then coalesce(og.ga_on_ice, 0) end as ga_on_ice,
        case when gm.has_usable_shifts then coalesce(os.cf_5v5, 0) end as cf_5v5,
        case when gm.has_usable_shifts then coalesce(os.ca_5v5, 0) end as ca_5v5,
        case when gm.has_usable_shifts then coalesce(og.gf_5v5, 0) end as gf_5v5,
        case when gm.has_usable_shifts then coalesce(og.ga_5v5, 0) end as ga_5v5
    from skaters as sk
    inner join games as gm on gm.game_id = sk.game_id and gm.has_events
    left join schedule as sch on sch.game_id = sk.game_id
    left join loads as ld on ld.game_id = sk.game_id
    left join scoring as sc on sc.game_id = sk.game_id and sc.player_id = sk.player_id
    left join shooting as sh on sh.game_id = sk.game_id and sh.player_id = sk.player_id
    left join blocking as bl on bl.game_id = sk.game_id and bl.player_id = sk.player_id
    left join event_counts as ec on ec.game_id = sk.game_id and ec.player_id = sk.player_id
    left join bad_giveaways as bg on bg.game_id = sk.game_id and bg.player_id = sk.player_id
    left join penalty_minutes as pm on pm.game_id = sk.game_id and pm.player_id = sk.player_id
    left join time_on_ice as toi on toi.game_id = sk.game_id and toi.player_id = sk.player_id
    left join shift_islands as si on si.game_id = sk.game_id and si.player_id = sk.player_id
    left join on_ice_shots as os on os.game_id = sk.game_id and os.player_id = sk.player_id
    left join on_ice_goals as og on og.game_id = sk.game_id and og.player_id = sk.player_id
    where {{ games_to_build('sk.game_id') }}
),

final as (
    select
        a.game_id,
        a.player_id,
        a.team_id,
        a.venue,
        a.position,
        a.goals,
        a.a1,
        a.a2,
        a.a1 + a.a2 as assists,
        a.goals + a.a1 + a.a2 as points,
        a.sog,
        a.attempts,
        a.unblocked_attempts,
        a.missed_shots,
        a.shots_blocked_against,
        round(a.goals::numeric / nullif(a.sog, 0), 4) as shooting_pct,
        a.blocks,
        a.fo_wins,
        a.fo_losses,
        round(a.fo_wins::numeric / nullif(a.fo_wins + a.fo_losses, 0), 4) as fo_pct,
        a.giveaways,
        a.bad_giveaways,
        a.takeaways,
        a.penalties_taken,
        a.penalties_drawn,
        a.pim,
        a.zone_entries,
        a.zone_exits,
        a.passes,
        a.passes_completed,
        a.toi_seconds,
        a.shifts,
        round(a.toi_seconds / nullif(a.shifts, 0), 1) as avg_shift_seconds,
        a.plus_minus,
        a.cf,
        a.ca,
        round(a.cf::numeric / nullif(a.cf + a.ca, 0), 4) as cf_pct,
        a.ff,
        a.fa,
        a.sf,
        a.sa,
        a.gf_on_ice,
        a.ga_on_ice,
        a.cf_5v5,
        a.ca_5v5,
        a.gf_5v5,
        a.ga_5v5,
        round(a.cf * 3600.0 / nullif(a.toi_seconds, 0), 2) as cf_per_60,
        round(a.ca * 3600.0 / nullif(a.toi_seconds, 0), 2) as ca_per_60,
        round((
            a.goals * w.goals + a.a1 * w.a1 + a.a2 * w.a2 + a.sog * w.sog + a.blocks * w.blocks
            + a.penalties_drawn * w.penalties_drawn + a.penalties_taken * w.penalties_taken
            + a.fo_wins * w.fo_wins + a.fo_losses * w.fo_losses
            + a.cf_5v5 * w.cf_5v5 + a.ca_5v5 * w.ca_5v5 + a.gf_5v5 * w.gf_5v5 + a.ga_5v5 * w.ga_5v5
        )::numeric, 3) as game_score,
        a.has_usable_shifts as has_on_ice_data,
        a.load_id
    from assembled as a
    cross join (
        {{ seed_values('weights', [
            'goals', 'a1', 'a2', 'sog', 'blocks', 'penalties_drawn', 'penalties_taken',
            'fo_wins', 'fo_losses', 'cf_5v5', 'ca_5v5', 'gf_5v5', 'ga_5v5',
        ], key_column='stat', value_column='weight') }}
    ) as w
)

select * from final
