with event_types as (select * from {{ ref('stg_blb__event_types') }})

select
    event_type_id,
    event_type_code,
    event_type_name,
    event_category,
    description,
    is_corsi,
    is_fenwick,
    load_id
from event_types
