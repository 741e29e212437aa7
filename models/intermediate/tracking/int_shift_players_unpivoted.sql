{{ incremental_by_game_config() }}

-- Grain: shift x player on the ice. Slots (F1..F3, D1, D2, G, X) are already one row each in
-- staging; here each gets its player and the shift's timing.
-- A table incremental by game: four models read it.
with slots as (
    select * from {{ ref('stg_tracker__shift_slots') }}
    where jersey is not null and {{ games_to_build() }}
),

shifts as (select * from {{ ref('int_shifts_timed') }} where {{ games_to_build() }}),

jerseys as (select * from {{ ref('int_game_jerseys_resolved') }}),

final as (
    select
        sh.game_id,
        sh.shift_id,
        sh.shift_idx,
        sh.period,
        sl.venue,
        sl.slot,
        sl.slot_order,
        sl.jersey,
        sl.player_name,
        coalesce(sl.player_id_written, j.player_id) as player_id,
        sl.is_goalie_slot,
        sh.start_elapsed_s,
        sh.end_elapsed_s,
        sh.duration_s,
        sh.is_usable,
        sh.load_id
    from slots as sl
    inner join shifts as sh on sh.shift_id = sl.shift_id
    left join jerseys as j on j.game_id = sl.game_id and j.venue = sl.venue and j.jersey = sl.jersey
)

select * from final
