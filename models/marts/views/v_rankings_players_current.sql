{{ config(materialized='view') }}

-- Skaters of the current season (all official games): official totals with their ranks, beside
-- the tracked numbers of the same season where tracked games exist.
with official as (select * from {{ ref('fact_player_season_stats_basic') }} where game_type = 'All'),

tracked as (select * from {{ ref('fact_player_season_stats') }} where game_type = 'All'),

seasons as (select * from {{ ref('dim_season') }} where is_current)

select
    o.season_id,
    o.player_id,
    o.player_full_name,
    o.team_id,
    o.team_name,
    o.games_played,
    o.goals,
    o.assists,
    o.points,
    o.points_per_game,
    rank() over (order by o.points desc)::integer as points_rank,
    rank() over (order by o.goals desc)::integer as goals_rank,
    rank() over (order by o.assists desc)::integer as assists_rank,
    rank() over (order by o.points_per_game desc nulls last)::integer as points_per_game_rank,
    coalesce(t.games_tracked, 0) as games_tracked,
    t.points_per_60,
    t.cf_pct,
    t.cf_pct_rel,
    t.game_score
from official as o
inner join seasons as s on s.season_id = o.season_id
left join tracked as t on t.player_id = o.player_id and t.season_id = o.season_id
