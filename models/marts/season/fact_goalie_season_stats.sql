-- Grain: goalie x season x game type (player_id, season_id, game_type: Regular, Playoffs, All).
-- Tracked games only (fact_goalie_game_stats), saying how many; GAA per 60 from the games whose
-- goalie time on ice is known (games_with_toi).
with games as (select * from {{ ref('fact_goalie_game_stats') }}),

schedule as (select game_id, season_id, season, game_type from {{ ref('dim_schedule') }}),

goalie_games as (
    select g.*, s.season_id, s.season, s.game_type
    from games as g
    inner join schedule as s on s.game_id = g.game_id
),

scoped as ({{ scoped_by_game_type('goalie_games') }}),

totals as (
    select
        player_id,
        season_id,
        scope_game_type as game_type,
        max(season) as season,
        mode() within group (order by team_id) as team_id,
        count(*)::integer as games_tracked,
        count(*) filter (where toi_seconds > 0)::integer as games_with_toi,
        sum(toi_seconds) as toi_seconds,
        sum(shots_against)::integer as shots_against,
        sum(saves)::integer as saves,
        sum(goals_against)::integer as goals_against,
        sum(goals_against) filter (where toi_seconds > 0)::integer as goals_against_with_toi,
        sum(unblocked_against)::integer as unblocked_against,
        sum(high_danger_shots_against)::integer as high_danger_shots_against,
        sum(high_danger_goals_against)::integer as high_danger_goals_against,
        count(*) filter (where is_quality_start)::integer as quality_starts,
        sum(game_score) as game_score
    from scoped
    group by player_id, season_id, scope_game_type
),

final as (
    select
        player_id,
        season_id,
        game_type,
        season,
        team_id,
        games_tracked,
        games_with_toi,
        toi_seconds,
        shots_against,
        saves,
        goals_against,
        round(saves::numeric / nullif(shots_against, 0), 4) as save_pct,
        round(goals_against_with_toi * 3600.0 / nullif(toi_seconds, 0), 3) as gaa,
        unblocked_against,
        high_danger_shots_against,
        high_danger_goals_against,
        quality_starts,
        game_score
    from totals
)

select * from final
