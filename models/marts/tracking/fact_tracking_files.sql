{{ incremental_by_game_config() }}

-- Incremental by game like the facts: a game build (a file just loaded) rebuilds its game's rows,
-- so the list of files seen never lags behind the game's numbers.
with files as (select * from {{ ref('stg_tracker__files') }} where {{ games_to_build() }})

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
    seen_at,
    load_id
from files
