{{ config(materialized='view') }}

-- Every official game line of a player (fact_gameroster) with the tracked numbers of that game
-- when it was tracked; newest first per player.
with lines as (select * from {{ ref('fact_gameroster') }}),

tracked as (select * from {{ ref('fact_player_game_stats') }}),

games as (select * from {{ ref('fact_game_status') }})

select
    l.player_id,
    l.game_id,
    l.game_date,
    l.season_id,
    l.game_type,
    l.player_full_name,
    l.player_position,
    l.team_id,
    l.opp_team_id,
    l.team_venue,
    l.goals,
    l.assists,
    l.points,
    l.pim,
    coalesce(g.tracking_status, 'untracked') as tracking_status,
    g.grade,
    t.goals as tracked_goals,
    t.assists as tracked_assists,
    t.points as tracked_points,
    t.sog,
    t.attempts,
    t.toi_seconds,
    t.plus_minus,
    t.cf,
    t.ca,
    t.cf_pct,
    t.game_score
from lines as l
left join games as g on g.game_id = l.game_id
left join tracked as t on t.game_id = l.game_id and t.player_id = l.player_id
where l.games_played > 0
