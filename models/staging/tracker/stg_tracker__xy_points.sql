with points as (select * from {{ source('tracker', 'tracker_xy_points') }})

select
    game_id,
    event_idx,
    game_id::bigint * 100000 + event_idx as event_id,
    kind,
    player_order,
    jersey,
    role,
    seq,
    x as x_written,
    y as y_written,
    frame,
    x_centred,
    y_centred
from points
