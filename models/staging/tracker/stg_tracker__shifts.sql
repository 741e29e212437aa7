with shifts as (select * from {{ source('tracker', 'tracker_shifts') }})

select
    game_id,
    shift_idx,
    game_id::bigint * 10000 + shift_idx as shift_id,
    load_id,
    period,
    start_clock,
    start_seconds as start_remaining_s,
    end_clock,
    end_seconds as end_remaining_s,
    nullif(btrim(start_type), '') as start_type,
    nullif(btrim(stop_type), '') as stop_type,
    strength as strength_written,
    duration as duration_written_s,
    player_count
from shifts
