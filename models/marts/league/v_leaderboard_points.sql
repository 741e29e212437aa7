{{ config(materialized='view') }}

-- Skaters of the current season, all official games, ranked by points (then goals).
{{ current_season_leaderboard(
    'fact_player_season_stats_basic',
    order_by='stats.points desc, stats.goals desc',
    columns=['player_id', 'player_full_name', 'team_id', 'team_name', 'season_id', 'games_played', 'goals', 'assists', 'points', 'points_per_game'],
) }}
