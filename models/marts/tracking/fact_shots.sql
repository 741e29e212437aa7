{{ incremental_by_game_config() }}

with shots as (select * from {{ ref('int_shots_located') }} where {{ games_to_build() }}),

on_ice_goalies as (
    select event_id, max(player_id) as goalie_player_id
    from {{ ref('fact_event_on_ice') }}
    where is_goalie and not is_event_team and {{ games_to_build() }}
    group by event_id
),

-- The danger levels' cut-offs, from the seed that names them.
danger_cuts as (
    select
        min(danger_points) filter (where is_scoring_chance) as scoring_chance_min,
        min(danger_points) filter (where is_high_danger) as high_danger_min
    from {{ ref('dim_danger_level') }}
),

final as (
    select
        s.shot_id,
        s.event_id,
        s.location_event_id,
        s.game_id,
        s.period,
        s.elapsed_s,
        s.game_seconds,
        s.venue,
        s.team_id,
        s.opp_team_id,
        s.shooter_player_id,
        -- The defending goalie on the ice; only a game without usable shifts falls back to the
        -- goalie the tracker named on the shot (an empty net must stay without a goalie).
        case
            when s.shift_id is not null then g.goalie_player_id
            when s.is_on_goal then s.named_goalie_player_id
        end as goalie_player_id,
        s.blocker_player_id,
        s.outcome,
        s.is_on_goal,
        s.is_unblocked,
        true as is_attempt,
        s.is_blocked_by_teammate,
        s.shot_type,
        s.x,
        s.y,
        s.distance_ft,
        s.angle_deg,
        s.is_rebound,
        s.is_rush,
        s.danger_points,
        s.danger_method,
        s.danger_points >= d.scoring_chance_min as is_scoring_chance,
        s.danger_points >= d.high_danger_min as is_high_danger,
        s.strength_state,
        s.situation,
        coalesce(not s.opp_goalie_on, false) as is_empty_net,
        s.load_id
    from shots as s
    left join on_ice_goalies as g on g.event_id = s.event_id
    cross join danger_cuts as d
)

select * from final
