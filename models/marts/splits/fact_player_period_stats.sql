{{ incremental_by_game_config() }}

-- Grain: skater x tracked game x period of the game (game_id, player_id, period). Every skater of
-- fact_player_game_stats gets a row for each period the game has; the rows of a game add up to
-- his game row. On-ice numbers are null, not zero, for a game without usable shifts.
with players as (select * from {{ ref('fact_player_game_stats') }} where {{ games_to_build() }}),

periods as (select * from {{ ref('int_game_periods_timed') }} where {{ games_to_build() }}),

on_ice as (
    select
        game_id,
        player_id,
        period,
        sum(toi_seconds) as toi_seconds,
        {{ on_ice_sums() }}
    from {{ ref('int_shift_skaters_counted') }}
    where {{ games_to_build() }}
    group by game_id, player_id, period
),

credits as (
    select game_id, player_id, period, {{ credit_sums() }}
    from {{ ref('int_skater_credits_split') }}
    where {{ games_to_build() }}
    group by game_id, player_id, period
),

final as (
    select
        p.game_id,
        p.player_id,
        p.team_id,
        p.venue,
        pe.period,
        {{ credit_columns('c') }},
        {{ on_ice_columns('o', 'p.has_on_ice_data') }},
        p.load_id
    from players as p
    inner join periods as pe on pe.game_id = p.game_id
    left join on_ice as o on o.game_id = p.game_id and o.player_id = p.player_id and o.period = pe.period
    left join credits as c on c.game_id = p.game_id and c.player_id = p.player_id and c.period = pe.period
)

select * from final
