-- Season-table arithmetic: every row's games = W + L + T and standings points = 2 W + T
-- (dim_game_result), goal difference = GF - GA, and every `All` row is the sum of the
-- season's Regular and Playoffs rows, in the standings and in the three official _basic tables.
with standings as (select * from {{ ref('fact_standings') }}),

teams as (select * from {{ ref('fact_team_season_stats_basic') }}),

players as (select * from {{ ref('fact_player_season_stats_basic') }}),

goalies as (select * from {{ ref('fact_goalie_season_stats_basic') }}),

results as (select * from {{ ref('dim_game_result') }}),

win_points as (select standings_points from results where result = 'W'),

tie_points as (select standings_points from results where result = 'T'),

row_checks as (
    select 'fact_standings' as model, team_id as entity_id, season_id, game_type,
        'games, points or goal difference' as broken
    from standings
    where games_played <> wins + losses + ties
        or points <> wins * (select standings_points from win_points)
            + ties * (select standings_points from tie_points)
        or goal_diff <> goals_for - goals_against
    union all
    select 'fact_team_season_stats_basic', team_id, season_id, game_type,
        'games, points or goal difference'
    from teams
    where games_played <> wins + losses + ties
        or points <> wins * (select standings_points from win_points)
            + ties * (select standings_points from tie_points)
        or goal_diff <> goals_for - goals_against
),

-- One row per (table row, count), so one comparison covers every table and count.
counts as (
    select 'fact_standings' as model, team_id as entity_id, season_id, game_type, cells.*
    from standings
    cross join lateral unnest(
        array['games_played', 'wins', 'losses', 'ties', 'points', 'goals_for', 'goals_against'],
        array[games_played, wins, losses, ties, points, goals_for, goals_against]
    ) as cells (count_name, value)
    union all
    select 'fact_team_season_stats_basic', team_id, season_id, game_type, cells.*
    from teams
    cross join lateral unnest(
        array['games_played', 'wins', 'losses', 'ties', 'points', 'goals_for', 'goals_against',
            'roster_goals', 'assists', 'pim'],
        array[games_played, wins, losses, ties, points, goals_for, goals_against, roster_goals,
            assists, pim]
    ) as cells (count_name, value)
    union all
    select 'fact_player_season_stats_basic', player_id, season_id, game_type, cells.*
    from players
    cross join lateral unnest(
        array['games_played', 'goals', 'assists', 'points', 'pim'],
        array[games_played, goals, assists, points, pim]
    ) as cells (count_name, value)
    union all
    select 'fact_goalie_season_stats_basic', player_id, season_id, game_type, cells.*
    from goalies
    cross join lateral unnest(
        array['games_played', 'wins', 'losses', 'ties', 'goals_against', 'shutouts'],
        array[games_played, wins, losses, ties, goals_against, shutouts]
    ) as cells (count_name, value)
),

all_vs_typed as (
    select
        model, entity_id, season_id, count_name,
        coalesce(sum(value) filter (where game_type = 'All'), 0) as all_value,
        coalesce(sum(value) filter (where game_type <> 'All'), 0) as typed_value
    from counts
    group by model, entity_id, season_id, count_name
)

select model, entity_id, season_id, game_type, broken from row_checks
union all
select model, entity_id, season_id, 'All', count_name || ': All row is not Regular + Playoffs'
from all_vs_typed
where all_value <> typed_value
