-- Invariant family "goals": per tracked game and side, goal events = team goals_for = goals of
-- the skater rows + goals whose scorer has no skater row (unknown jersey or a goalie).
-- Returns the sides where they disagree. A build of some games tests those games (macro tested_games).
with goal_events as (
    select game_id, venue, count(*) as goals, count(*) filter (where scorer_player_id is null) as unknown_scorer
    from {{ ref('fact_goals') }}
    where {{ tested_games() }}
    group by game_id, venue
),

team as (select game_id, venue, goals_for from {{ ref('fact_team_game_stats') }} where {{ tested_games() }}),

players as (
    select game_id, venue, sum(goals) as goals
    from {{ ref('fact_player_game_stats') }}
    where {{ tested_games() }}
    group by game_id, venue
),

non_skater_scorers as (
    select g.game_id, g.venue, count(*) as goals
    from {{ ref('fact_goals') }} as g
    left join {{ ref('fact_player_game_stats') }} as p
        on p.game_id = g.game_id and p.player_id = g.scorer_player_id
    where g.scorer_player_id is not null and p.player_id is null and {{ tested_games('g.game_id') }}
    group by g.game_id, g.venue
)

select t.game_id, t.venue, t.goals_for, e.goals as goal_events, p.goals as player_goals
from team as t
left join goal_events as e on e.game_id = t.game_id and e.venue = t.venue
left join players as p on p.game_id = t.game_id and p.venue = t.venue
left join non_skater_scorers as n on n.game_id = t.game_id and n.venue = t.venue
where t.goals_for <> coalesce(e.goals, 0)
    or t.goals_for <> coalesce(p.goals, 0) + coalesce(e.unknown_scorer, 0) + coalesce(n.goals, 0)
