-- Grain: skater x season x game type (player_id, season_id, game_type: Regular, Playoffs, All).
-- Tracked games only (fact_player_game_stats), saying how many; on-ice totals, rates per 60 and
-- the relative and PDO numbers come from the games with on-ice data (games_with_toi) only.
with games as (select * from {{ ref('fact_player_game_stats') }}),

schedule as (select game_id, season_id, season, game_type from {{ ref('dim_schedule') }}),

-- The player's side's on-ice totals per game: what the team did with him on or off the ice.
team_on_ice as (
    select game_id, venue, sum(cf) as team_cf, sum(ca) as team_ca
    from {{ ref('int_shift_sides_counted') }}
    group by game_id, venue
),

at_5v5 as (select * from {{ ref('fact_player_game_situation_stats') }} where situation = '5v5'),

player_games as (
    select
        g.*,
        s.season_id,
        s.season,
        s.game_type,
        t.team_cf - g.cf as cf_off,
        t.team_ca - g.ca as ca_off,
        f.sf as sf_5v5,
        f.sa as sa_5v5,
        f.gf_on_ice as gf_5v5_on,
        f.ga_on_ice as ga_5v5_on
    from games as g
    inner join schedule as s on s.game_id = g.game_id
    left join team_on_ice as t on t.game_id = g.game_id and t.venue = g.venue
    left join at_5v5 as f on f.game_id = g.game_id and f.player_id = g.player_id
),

scoped as ({{ scoped_by_game_type('player_games') }}),

totals as (
    select
        player_id,
        season_id,
        scope_game_type as game_type,
        max(season) as season,
        mode() within group (order by team_id) as team_id,
        count(*)::integer as games_tracked,
        count(*) filter (where has_on_ice_data)::integer as games_with_toi,
        {%- for column in [
            'goals', 'a1', 'a2', 'sog', 'attempts', 'unblocked_attempts', 'missed_shots', 'blocks',
            'fo_wins', 'fo_losses', 'giveaways', 'takeaways', 'penalties_taken', 'penalties_drawn',
            'shifts', 'plus_minus', 'cf', 'ca', 'ff', 'fa', 'sf', 'sa', 'gf_on_ice', 'ga_on_ice',
            'cf_5v5', 'ca_5v5', 'gf_5v5', 'ga_5v5', 'cf_off', 'ca_off', 'sf_5v5', 'sa_5v5',
            'gf_5v5_on', 'ga_5v5_on',
        ] %}
        sum({{ column }})::integer as {{ column }},
        {%- endfor %}
        sum(goals) filter (where has_on_ice_data)::integer as goals_with_toi,
        sum(points) filter (where has_on_ice_data)::integer as points_with_toi,
        sum(pim) as pim,
        sum(toi_seconds) as toi_seconds,
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
        goals,
        a1,
        a2,
        a1 + a2 as assists,
        goals + a1 + a2 as points,
        sog,
        attempts,
        unblocked_attempts,
        missed_shots,
        round(goals::numeric / nullif(sog, 0), 4) as shooting_pct,
        blocks,
        fo_wins,
        fo_losses,
        round(fo_wins::numeric / nullif(fo_wins + fo_losses, 0), 4) as fo_pct,
        giveaways,
        takeaways,
        penalties_taken,
        penalties_drawn,
        pim,
        toi_seconds,
        shifts,
        round(toi_seconds / nullif(shifts, 0), 1) as avg_shift_seconds,
        plus_minus,
        cf,
        ca,
        round(cf::numeric / nullif(cf + ca, 0), 4) as cf_pct,
        ff,
        fa,
        round(ff::numeric / nullif(ff + fa, 0), 4) as ff_pct,
        sf,
        sa,
        gf_on_ice,
        ga_on_ice,
        cf_5v5,
        ca_5v5,
        gf_5v5,
        ga_5v5,
        round(cf::numeric / nullif(cf + ca, 0) - cf_off::numeric / nullif(cf_off + ca_off, 0), 4) as cf_pct_rel,
        round(gf_5v5_on::numeric / nullif(sf_5v5, 0) + 1 - ga_5v5_on::numeric / nullif(sa_5v5, 0), 4) as pdo,
        round(goals_with_toi * 3600.0 / nullif(toi_seconds, 0), 2) as goals_per_60,
        round(points_with_toi * 3600.0 / nullif(toi_seconds, 0), 2) as points_per_60,
        round(cf * 3600.0 / nullif(toi_seconds, 0), 2) as cf_per_60,
        round(ca * 3600.0 / nullif(toi_seconds, 0), 2) as ca_per_60,
        game_score
    from totals
)

select * from final
