{{ incremental_by_game_config() }}

-- Grain: goal (a `Goal` event with detail1 `Goal_Scored`). Each goal with its scorer, the `Shot`
-- event that was the same puck (nearest earlier goal-outcome shot of the same team since the
-- previous goal), and the running score.
-- A table incremental by game: three models read it, and its joins by event id kept a build's
-- game filter from reaching the event log when it was inlined.
with events as (select * from {{ ref('int_events_attributed') }} where {{ games_to_build() }}),

event_players as (select * from {{ ref('int_event_players_resolved') }} where {{ games_to_build() }}),

shot_outcomes as (select * from {{ ref('dim_shot_outcome') }}),

goals as (
    select
        e.*,
        coalesce(
            lag(e.event_idx) over (partition by e.game_id order by e.event_idx), -1
        ) as previous_goal_idx
    from events as e
    where e.event_type = 'Goal' and e.detail1 = 'Goal_Scored'
),

goal_shots as (
    select e.game_id, e.event_idx, e.event_id, e.venue
    from events as e
    inner join shot_outcomes as o on o.detail1 = e.detail1 and o.outcome = 'goal'
    where e.event_type = 'Shot'
),

goal_shot_candidates as (
    select distinct on (g.event_id)
        g.event_id as goal_event_id,
        s.event_id as shot_event_id
    from goals as g
    inner join goal_shots as s on s.game_id = g.game_id and s.venue = g.venue
    where s.event_idx < g.event_idx and s.event_idx > g.previous_goal_idx
    order by g.event_id, s.event_idx desc
),

matched as (
    select g.*, c.shot_event_id
    from goals as g
    left join goal_shot_candidates as c on c.goal_event_id = g.event_id
),

scorers as (
    select event_id, player_id, jersey
    from event_players
    where role = 'event_player_1'
),

final as (
    select
        m.event_id as goal_id,
        m.*,
        sc.player_id as scorer_player_id,
        sc.jersey as scorer_jersey,
        count(*) over (partition by m.game_id, m.venue order by m.event_idx) as team_goal_number,
        count(*) over (partition by m.game_id order by m.event_idx) as game_goal_number
    from matched as m
    left join scorers as sc on sc.event_id = m.event_id
)

select * from final
