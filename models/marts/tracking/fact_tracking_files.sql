with files as (select * from {{ ref('stg_tracker__files') }})

select
    file_seen_id,
    game_id,
    file_name,
    file_path,
    file_sha256,
    source,
    source_format,
    tracker_version,
    exported_at,
    event_count,
    shift_count,
    event_player_count,
    is_chosen,
    reason,
    seen_at
from files
