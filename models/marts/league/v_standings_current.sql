{{ config(materialized='view') }}

with standings as (select * from {{ ref('fact_standings') }}),

seasons as (select * from {{ ref('dim_season') }})

select
    standings.season_id,
    seasons.season_display,
    standings.game_type,
    standings.standing_rank,
    standings.team_id,
    standings.team_name,
    standings.games_played,
    standings.wins,
    standings.losses,
    standings.ties,
    standings.points,
    standings.goals_for,
    standings.goals_against,
    standings.goal_diff,
    standings.streak,
    standings.last_5
from standings
inner join seasons on seasons.season_id = standings.season_id
where seasons.is_current
