with files as (select * from {{ source('tracker', 'tracking_files') }})

select
    file_seen_id,
    load_id,
    source,
    file_path,
    file_name,
    file_sha256,
    game_id,
    source_format,
    version as tracker_version,
    exported_at,
    event_count,
    shift_count,
    event_player_count,
    chosen as is_chosen,
    reason,
    seen_at
from files
