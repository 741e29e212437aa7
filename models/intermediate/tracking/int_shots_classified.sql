-- A table incremental by game (not ephemeral) so its rule has a dbt unit test of its own.
{{ incremental_by_game_config() }}

-- Grain: shot attempt. Every `Shot` event classified once through seed dim_shot_outcome; the
-- goal-outcome Shot rows are replaced by the goals themselves (one attempt per Goal_Scored
-- event, located by its Shot row when there is one), so a goal counts exactly once and still
-- counts when the tracker wrote no Shot_Goal row. Shot details missing from the seed are left
-- out here (QA reports them).
with events as (select * from {{ ref('int_events_attributed') }} where {{ games_to_build() }}),

event_players as (select * from {{ ref('int_event_players_resolved') }} where {{ games_to_build() }}),

outcomes as (select * from {{ ref('dim_shot_outcome') }}),

goals as (select * from {{ ref('int_goals_linked') }} where {{ games_to_build() }}),

non_goal_shots as (
    select
        e.event_id as shot_id,
        e.event_id,
        e.event_id as location_event_id,
        case when o.outcome = 'blocked_same_team' then 'blocked' else o.outcome end as outcome,
        o.outcome = 'blocked_same_team' as is_blocked_by_teammate,
        o.is_on_goal,
        o.is_unblocked,
        o.credits_block
    from events as e
    inner join outcomes as o on o.detail1 = e.detail1
    where e.event_type = 'Shot' and o.outcome <> 'goal'
),

goal_shots as (
    select
        g.goal_id as shot_id,
        g.event_id,
        coalesce(g.shot_event_id, g.event_id) as location_event_id,
        'goal' as outcome,
        false as is_blocked_by_teammate,
        true as is_on_goal,
        true as is_unblocked,
        false as credits_block
    from goals as g
),

attempts as (
    select * from non_goal_shots
    union all
    select * from goal_shots
),

roles as (
    select
        event_id,
        max(player_id) filter (where role = 'event_player_1') as actor_player_id,
        max(jersey) filter (where role = 'event_player_1') as actor_jersey,
        max(player_id) filter (where role = 'opp_player_1') as opp1_player_id
    from event_players
    -- Only the attempts' events (and their located Shot rows), not every event of the season.
    where
        event_id in (
            select attempts.event_id from attempts
            union all
            select attempts.location_event_id from attempts
        )
    group by event_id
),

final as (
    select
        a.shot_id,
        a.event_id,
        a.location_event_id,
        e.game_id,
        e.event_idx,
        e.period,
        e.elapsed_s,
        e.game_seconds,
        e.sequence_no,
        e.shift_id,
        e.venue,
        e.team_id,
        e.opp_team_id,
        e.zone,
        a.outcome,
        a.is_on_goal,
        a.is_unblocked,
        a.is_blocked_by_teammate,
        r.actor_player_id as shooter_player_id,
        case when a.credits_block then r.opp1_player_id end as blocker_player_id,
        case when a.is_on_goal then coalesce(loc_r.opp1_player_id, r.opp1_player_id) end as named_goalie_player_id,
        -- A goal without its Shot row carries the type as Goal_<type>.
        regexp_replace(loc.detail2, '^Goal_', 'Shot_') as shot_type,
        e.strength_state,
        e.situation,
        e.opp_goalie_on,
        e.load_id
    from attempts as a
    inner join events as e on e.event_id = a.event_id
    inner join events as loc on loc.event_id = a.location_event_id
    left join roles as r on r.event_id = a.event_id
    left join roles as loc_r on loc_r.event_id = a.location_event_id
)

select * from final
