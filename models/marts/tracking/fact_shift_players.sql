{{ incremental_by_game_config() }}

with shift_players as (select * from {{ ref('int_shift_players_unpivoted') }} where {{ games_to_build() }}),

schedule as (select * from {{ ref('dim_schedule') }}),

final as (
    select
        sp.shift_id,
        sp.game_id,
        sp.shift_idx,
        sp.period,
        sp.venue,
        {{ side_value('sp.venue', 's.home_team_id', 's.away_team_id') }} as team_id,
        sp.slot,
        sp.slot_order,
        sp.jersey,
        sp.player_name,
        sp.player_id,
        sp.is_goalie_slot as is_goalie,
        sp.start_elapsed_s,
        sp.end_elapsed_s,
        case when sp.is_usable then sp.duration_s else 0 end as toi_seconds,
        sp.is_usable,
        sp.load_id
    from shift_players as sp
    left join schedule as s on s.game_id = sp.game_id
)

select * from final
