{{ config(materialized='view') }}
-- The most recent played games (official scores), newest first, with their tracking grade.
with status as (select * from {{ ref('fact_game_status') }}),

teams as (select team_id, team_name from {{ ref('dim_team') }})

select
    s.game_id,
    s.season_id,
    s.game_date,
    s.game_type,
    s.home_team_id,
    home.team_name as home_team_name,
    s.away_team_id,
    away.team_name as away_team_name,
    s.home_goals_official,
    s.away_goals_official,
    s.tracking_status,
    s.grade
from status as s
left join teams as home on home.team_id = s.home_team_id
left join teams as away on away.team_id = s.away_team_id
where s.schedule_type = 'Past'
order by s.game_date desc nulls last, s.game_id desc
limit 50
