{{ incremental_by_game_config() }}

-- Grain: usable shift row x side (shift_id, venue). What happened while that on-ice set was out,
-- seen from the side: its team, the situation group from the derived strength, the row's seconds
-- and the attempts, unblocked attempts, shots on goal and goals for and against. Events are the
-- shift row's by the half-open rule (int_events_attributed.shift_id, as fact_event_on_ice), so
-- every on-ice number of players, pairs and units is a sum of these rows.
with shifts as (select * from {{ ref('int_shifts_timed') }} where is_usable and {{ games_to_build() }}),

shots as (select * from {{ ref('int_shots_classified') }} where shift_id is not null and {{ games_to_build() }}),

schedule as (select * from {{ ref('stg_blb__games') }}),

-- Only games whose shifts are usable for on-ice numbers, as fact_player_game_stats.
coverage as (select * from {{ ref('int_game_shift_coverage') }} where has_usable_shifts and {{ games_to_build() }}),

sides as (
    select
        s.shift_id,
        s.game_id,
        s.period,
        v.venue,
        {{ side_value('v.venue', 'g.home_team_id', 'g.away_team_id') }} as team_id,
        s.duration_s,
        {{ side_value('v.venue', 's.home_skaters', 's.away_skaters') }} as skaters_for,
        {{ side_value('v.venue', 's.home_skaters', 's.away_skaters', 'against') }} as skaters_against,
        {{ side_value('v.venue', 's.home_goalie_on', 's.away_goalie_on') }} as own_goalie_on,
        {{ side_value('v.venue', 's.home_goalie_on', 's.away_goalie_on', 'against') }} as opp_goalie_on,
        s.load_id
    from shifts as s
    inner join coverage as c on c.game_id = s.game_id
    cross join (values ('home'), ('away')) as v (venue)
    left join schedule as g on g.game_id = s.game_id
),

shot_counts as (
    select
        shift_id,
        venue,
        count(*) as attempts,
        count(*) filter (where is_unblocked) as unblocked,
        count(*) filter (where is_on_goal) as on_goal,
        count(*) filter (where outcome = 'goal') as goals
    from shots
    group by shift_id, venue
),

final as (
    select
        sd.shift_id,
        sd.game_id,
        sd.period,
        sd.venue,
        sd.team_id,
        {{ situation_group('sd.skaters_for', 'sd.skaters_against', 'sd.own_goalie_on', 'sd.opp_goalie_on') }}
            as situation_group,
        sd.duration_s,
        coalesce(f.attempts, 0) as cf,
        coalesce(a.attempts, 0) as ca,
        coalesce(f.unblocked, 0) as ff,
        coalesce(a.unblocked, 0) as fa,
        coalesce(f.on_goal, 0) as sf,
        coalesce(a.on_goal, 0) as sa,
        coalesce(f.goals, 0) as gf,
        coalesce(a.goals, 0) as ga,
        sd.load_id
    from sides as sd
    left join shot_counts as f on f.shift_id = sd.shift_id and f.venue = sd.venue
    left join shot_counts as a on a.shift_id = sd.shift_id and a.venue <> sd.venue
)

select * from final
