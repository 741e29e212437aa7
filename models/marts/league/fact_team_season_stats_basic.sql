-- Official team totals per season and game type: results and goals from the schedule's final
-- scores, scoring and penalty totals from the roster lines of the same games.
with team_games as (select * from {{ ref('int_official_games_unpivoted') }}),

lines as (select * from {{ ref('int_official_roster_lines_joined') }}),

teams as (select * from {{ ref('stg_blb__teams') }}),

scoped_games as ({{ scoped_by_game_type('team_games') }}),

scoped_lines as (
    {{ scoped_by_game_type('lines') }}
    where lines.played and lines.team_id is not null
),

results as (
    select
        team_id,
        season_id,
        scope_game_type as game_type,
        {{ official_record_columns() }},
        count(*) filter (where goals_against = 0)::integer as shutouts
    from scoped_games
    group by team_id, season_id, scope_game_type
),

roster_totals as (
    select
        team_id,
        season_id,
        scope_game_type as game_type,
        count(distinct player_id)::integer as players_used,
        coalesce(sum(goals), 0)::integer as roster_goals,
        coalesce(sum(assists), 0)::integer as assists,
        coalesce(sum(pim), 0)::integer as pim
    from scoped_lines
    group by team_id, season_id, scope_game_type
),

final as (
    select
        results.team_id,
        results.season_id,
        results.game_type,
        results.season,
        teams.team_name,
        results.games_played,
        results.wins,
        results.losses,
        results.ties,
        results.points,
        results.goals_for,
        results.goals_against,
        results.goals_for - results.goals_against as goal_diff,
        round(results.goals_for::numeric / results.games_played, 3) as goals_for_per_game,
        round(results.goals_against::numeric / results.games_played, 3) as goals_against_per_game,
        results.shutouts,
        coalesce(roster_totals.roster_goals, 0) as roster_goals,
        coalesce(roster_totals.assists, 0) as assists,
        coalesce(roster_totals.pim, 0) as pim,
        coalesce(roster_totals.players_used, 0) as players_used
    from results
    left join roster_totals
        on roster_totals.team_id = results.team_id
        and roster_totals.season_id = results.season_id
        and roster_totals.game_type = results.game_type
    left join teams on teams.team_id = results.team_id
)

select * from final
