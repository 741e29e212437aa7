{{ incremental_by_game_config() }}

with shifts as (select * from {{ ref('int_shifts_timed') }} where {{ games_to_build() }}),

final as (
    select
        shift_id,
        game_id,
        shift_idx,
        period,
        start_clock,
        end_clock,
        start_elapsed_s,
        end_elapsed_s,
        period_offset_s + start_elapsed_s as start_game_seconds,
        period_offset_s + end_elapsed_s as end_game_seconds,
        duration_s,
        start_type,
        stop_type,
        home_skaters,
        away_skaters,
        home_goalie_on,
        away_goalie_on,
        {{ strength_state('home_skaters', 'away_skaters') }} as strength_state_home,
        {{ strength_state('away_skaters', 'home_skaters') }} as strength_state_away,
        {{ strength_valid('home_skaters', 'away_skaters') }} as strength_state_valid,
        is_usable,
        is_zero_length,
        load_id
    from shifts
)

select * from final
