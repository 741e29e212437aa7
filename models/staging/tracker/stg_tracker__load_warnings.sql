with warnings as (select * from {{ source('tracker', 'load_warnings') }})

select
    load_id,
    source,
    file_name,
    game_id,
    table_name,
    location,
    code,
    message,
    loaded_at
from warnings
