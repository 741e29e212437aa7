-- Official goals agree: for every played game and team whose roster lines record goals, the
-- players' goals add up to the team's final score in the schedule. A difference is an error in
-- the league's workbook, so it warns (and is listed) instead of stopping the build.
{{ config(severity='warn') }}

with team_games as (select * from {{ ref('int_official_games_unpivoted') }}),

lines as (select * from {{ ref('int_official_roster_lines_joined') }}),

roster_goals as (
    select game_id, team_id, sum(goals) as roster_goals
    from lines
    where goals is not null
    group by game_id, team_id
)

select
    team_games.game_id,
    team_games.team_id,
    team_games.goals_for as schedule_goals,
    roster_goals.roster_goals
from team_games
inner join roster_goals
    on roster_goals.game_id = team_games.game_id
    and roster_goals.team_id = team_games.team_id
where roster_goals.roster_goals <> team_games.goals_for
