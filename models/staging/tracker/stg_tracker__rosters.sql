with rosters as (select * from {{ source('tracker', 'tracker_rosters') }})

select
    game_id,
    side as venue,
    roster_order,
    nullif(btrim(player_id), '') as player_id,
    nullif(btrim(jersey), '') as jersey,
    player_name,
    upper(left(btrim(position), 1)) as position_code
from rosters
