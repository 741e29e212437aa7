{{ incremental_by_game_config() }}

-- Grain: usable shift row x skater with a known player (shift_id, player_id). Each skater of the
-- row gets the row's seconds and its side's on-ice counts (int_shift_sides_counted): the one
-- place where a player's on-ice numbers by period, situation, pair and unit come from.
with skaters as (
    select * from {{ ref('int_shift_players_unpivoted') }}
    where is_usable and not is_goalie_slot and player_id is not null and {{ games_to_build() }}
),

sides as (select * from {{ ref('int_shift_sides_counted') }} where {{ games_to_build() }}),

final as (
    select
        sd.shift_id,
        sd.game_id,
        sd.period,
        sd.venue,
        sd.team_id,
        sk.slot,
        sk.player_id,
        sd.situation_group,
        sd.duration_s as toi_seconds,
        {{ on_ice_count_columns('sd') }},
        sd.load_id
    from skaters as sk
    inner join sides as sd on sd.shift_id = sk.shift_id and sd.venue = sk.venue
)

select * from final
