-- Grain: team x season x game type (team_id, season_id, game_type: Regular, Playoffs, All).
-- Tracked games only (fact_team_game_stats: counted from events, never summed over skaters),
-- saying how many; rates per 60 over the tracked games' timed periods.
with games as (select * from {{ ref('fact_team_game_stats') }}),

schedule as (select game_id, season_id, season, game_type from {{ ref('dim_schedule') }}),

game_length as (
    select game_id, sum(length_s) as game_seconds
    from {{ ref('int_game_periods_timed') }}
    group by game_id
),

team_games as (
    select g.*, s.season_id, s.season, s.game_type, l.game_seconds
    from games as g
    inner join schedule as s on s.game_id = g.game_id
    left join game_length as l on l.game_id = g.game_id
),

scoped as ({{ scoped_by_game_type('team_games') }}),

totals as (
    select
        team_id,
        season_id,
        scope_game_type as game_type,
        max(season) as season,
        count(*)::integer as games_tracked,
        {%- for column in [
            'goals_for', 'goals_against', 'sog_for', 'sog_against', 'attempts_for', 'attempts_against',
            'unblocked_for', 'unblocked_against', 'fo_wins', 'fo_losses', 'giveaways', 'takeaways',
            'penalties',
        ] %}
        sum({{ column }})::integer as {{ column }},
        {%- endfor %}
        sum(pim) as pim,
        sum(game_seconds) as game_seconds
    from scoped
    where team_id is not null
    group by team_id, season_id, scope_game_type
),

final as (
    select
        team_id,
        season_id,
        game_type,
        season,
        games_tracked,
        game_seconds,
        goals_for,
        goals_against,
        goals_for - goals_against as goal_diff,
        sog_for,
        sog_against,
        attempts_for,
        attempts_against,
        round(attempts_for::numeric / nullif(attempts_for + attempts_against, 0), 4) as cf_pct,
        unblocked_for,
        unblocked_against,
        round(unblocked_for::numeric / nullif(unblocked_for + unblocked_against, 0), 4) as ff_pct,
        round(goals_for::numeric / nullif(sog_for, 0) + 1 - goals_against::numeric / nullif(sog_against, 0), 4) as pdo,
        fo_wins,
        fo_losses,
        round(fo_wins::numeric / nullif(fo_wins + fo_losses, 0), 4) as fo_pct,
        giveaways,
        takeaways,
        penalties,
        pim,
        round(goals_for * 3600.0 / nullif(game_seconds, 0), 2) as goals_for_per_60,
        round(goals_against * 3600.0 / nullif(game_seconds, 0), 2) as goals_against_per_60,
        round(attempts_for * 3600.0 / nullif(game_seconds, 0), 2) as attempts_for_per_60,
        round(attempts_against * 3600.0 / nullif(game_seconds, 0), 2) as attempts_against_per_60
    from totals
)

select * from final
