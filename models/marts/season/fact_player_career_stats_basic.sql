-- Grain: skater x game type (player_id, game_type: Regular, Playoffs, All). Official numbers over
-- every season: the sums of the player's fact_player_season_stats_basic rows.
with seasons as (select * from {{ ref('fact_player_season_stats_basic') }}),

totals as (
    select
        player_id,
        game_type,
        max(player_full_name) as player_full_name,
        count(*)::integer as seasons,
        min(season) as first_season,
        max(season) as last_season,
        sum(games_played)::integer as games_played,
        sum(games_as_sub)::integer as games_as_sub,
        sum(goals)::integer as goals,
        sum(assists)::integer as assists,
        sum(pim)::integer as pim
    from seasons
    group by player_id, game_type
),

final as (
    select
        player_id,
        game_type,
        player_full_name,
        seasons,
        first_season,
        last_season,
        games_played,
        games_as_sub,
        goals,
        assists,
        goals + assists as points,
        pim,
        round(goals::numeric / nullif(games_played, 0), 3) as goals_per_game,
        round((goals + assists)::numeric / nullif(games_played, 0), 3) as points_per_game
    from totals
)

select * from final
