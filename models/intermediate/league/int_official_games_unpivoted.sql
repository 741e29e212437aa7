-- A table: the season tables and standings read it several times, and the staging views it
-- joins (casts and de-duplication) are too costly to re-evaluate per use.
{{ config(materialized='table') }}

-- One row per team and official result: the schedule's played games (schedule_type = 'Past')
-- of the league's game types, seen once from each side. A played game without both final
-- scores has no result and is left out.
with games as (select * from {{ ref('stg_blb__games') }}),

results as (select * from {{ ref('dim_game_result') }}),

official_games as (
    select *
    from games
    where schedule_type = 'Past'
        and game_type in ('Regular', 'Playoffs')
        and season_id is not null
        and home_team_id is not null
        and away_team_id is not null
        and home_total_goals is not null
        and away_total_goals is not null
),

team_sides as (
    select
        game_id, season_id, season, game_type, game_date, game_time,
        'home' as venue,
        home_team_id as team_id,
        away_team_id as opp_team_id,
        home_total_goals as goals_for,
        away_total_goals as goals_against
    from official_games
    union all
    select
        game_id, season_id, season, game_type, game_date, game_time,
        'away' as venue,
        away_team_id as team_id,
        home_team_id as opp_team_id,
        away_total_goals as goals_for,
        home_total_goals as goals_against
    from official_games
),

final as (
    select
        team_sides.*,
        case
            when goals_for > goals_against then 'W'
            when goals_for < goals_against then 'L'
            else 'T'
        end as result
    from team_sides
)

select final.*, results.standings_points
from final
inner join results on results.result = final.result
