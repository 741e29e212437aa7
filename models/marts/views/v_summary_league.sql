{{ config(materialized='view') }}

-- One row per season: how much of it was played, tracked and graded, and its official scoring.
with games as (select * from {{ ref('fact_game_status') }} where is_scheduled),

seasons as (select * from {{ ref('dim_season') }}),

rosters as (select * from {{ ref('fact_gameroster') }})

select
    s.season_id,
    s.season_display,
    s.is_current,
    count(g.game_id)::integer as games_scheduled,
    count(g.game_id) filter (where g.schedule_type = 'Past')::integer as games_played,
    count(g.game_id) filter (where g.schedule_type = 'Upcoming')::integer as games_upcoming,
    count(g.game_id) filter (where g.tracking_status <> 'untracked')::integer as games_tracked,
    count(g.game_id) filter (where g.grade in ('A', 'B'))::integer as games_graded_a_or_b,
    sum(g.home_goals_official + g.away_goals_official) filter (where g.schedule_type = 'Past')::integer
        as goals_official,
    round(
        avg(g.home_goals_official + g.away_goals_official) filter (where g.schedule_type = 'Past'), 2
    ) as goals_per_game,
    (select count(distinct r.player_id) from rosters as r where r.season_id = s.season_id)::integer as players,
    (
        select count(distinct r.team_id) from rosters as r where r.season_id = s.season_id
    )::integer as teams
from seasons as s
left join games as g on g.season_id = s.season_id
group by s.season_id, s.season_display, s.is_current
