{{ config(materialized='view') }}

-- Goalies of the current season, all official games (game_type 'All'), lowest GAA first.
with stats as (select * from {{ ref('fact_goalie_season_stats_basic') }}),

seasons as (select * from {{ ref('dim_season') }})

select
    rank() over (order by stats.gaa asc)::integer as rank,
    stats.player_id,
    stats.player_full_name,
    stats.team_id,
    stats.team_name,
    stats.season_id,
    stats.games_played,
    stats.wins,
    stats.losses,
    stats.ties,
    stats.goals_against,
    stats.gaa,
    stats.shutouts
from stats
inner join seasons on seasons.season_id = stats.season_id
where seasons.is_current and stats.game_type = 'All' and stats.gaa is not null
