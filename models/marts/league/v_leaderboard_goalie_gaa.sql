{{ config(materialized='view') }}

-- Goalies of the current season, all official games, lowest GAA first.
{{ current_season_leaderboard(
    'fact_goalie_season_stats_basic',
    order_by='stats.gaa asc',
    columns=['player_id', 'player_full_name', 'team_id', 'team_name', 'season_id', 'games_played', 'wins', 'losses', 'ties', 'goals_against', 'gaa', 'shutouts'],
    where="stats.gaa is not null",
) }}
