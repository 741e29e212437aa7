-- A table: the season tables and standings read it several times, and the staging views it
-- joins (casts and de-duplication) are too costly to re-evaluate per use.
{{ config(materialized='table') }}

-- One row per official roster line (game x player) of a played league game, with the game's
-- season and game type and, where the final score is known, the player's team's result.
-- Materialized: the staging views de-duplicate with a window, and their filters make Postgres
-- guess one row; unmaterialized, it re-ran the roster view's window per schedule row (108 s at
-- 600 games).
with rosters as materialized (select * from {{ ref('stg_blb__game_rosters') }}),

games as materialized (select * from {{ ref('stg_blb__games') }}),

team_games as (select * from {{ ref('int_official_games_unpivoted') }}),

final as (
    select
        rosters.game_id,
        rosters.player_id,
        rosters.team_id,
        rosters.player_full_name,
        rosters.player_position,
        -- A line counts as a game played unless the sheet says 0 games for it.
        coalesce(rosters.games_played, 1) > 0 as played,
        rosters.goals,
        rosters.assists,
        rosters.goals_against,
        rosters.pim,
        rosters.shutouts,
        rosters.sub,
        games.season_id,
        games.season,
        games.game_type,
        games.game_date,
        team_games.result
    from rosters
    inner join games on games.game_id = rosters.game_id
    left join team_games
        on team_games.game_id = rosters.game_id
        and team_games.team_id = rosters.team_id
    where games.schedule_type = 'Past'
        and games.game_type in ('Regular', 'Playoffs')
        and games.season_id is not null
)

select * from final
