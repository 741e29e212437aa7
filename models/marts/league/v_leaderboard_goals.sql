{{ config(materialized='view') }}

-- Skaters of the current season, all official games (game_type 'All'), ranked by goals.
with stats as (select * from {{ ref('fact_player_season_stats_basic') }}),

seasons as (select * from {{ ref('dim_season') }})

select
    rank() over (order by stats.goals desc)::integer as rank,
    stats.player_id,
    stats.player_full_name,
    stats.team_id,
    stats.team_name,
    stats.season_id,
    stats.games_played,
    stats.goals,
    stats.assists,
    stats.points,
    stats.points_per_game
from stats
inner join seasons on seasons.season_id = stats.season_id
where seasons.is_current and stats.game_type = 'All'
