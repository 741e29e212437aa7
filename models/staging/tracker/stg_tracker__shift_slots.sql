with slots as (select * from {{ source('tracker', 'tracker_shift_slots') }})

select
    game_id,
    shift_idx,
    game_id::bigint * 10000 + shift_idx as shift_id,
    lower(side) as venue,
    upper(slot) as slot,
    slot_order,
    nullif(btrim(jersey), '') as jersey,
    player_name,
    nullif(btrim(player_id), '') as player_id_written,
    upper(slot) = 'G' as is_goalie_slot
from slots
