with source as (select * from {{ source('blb', 'blb_dim_event_type') }}),

typed as (
    select
        {{ wb_id('event_type_id') }} as event_type_id,
        {{ wb_text('event_type_code') }} as event_type_code,
        {{ wb_text('event_type_name') }} as event_type_name,
        {{ wb_text('event_category') }} as event_category,
        {{ wb_text('description') }} as description,
        {{ wb_boolean('is_corsi') }} as is_corsi,
        {{ wb_boolean('is_fenwick') }} as is_fenwick,
        load_id,
        row_number
    from source
),

latest as ({{ wb_latest_per_key('typed', ['event_type_id']) }})

select
    event_type_id,
    event_type_code,
    event_type_name,
    event_category,
    description,
    is_corsi,
    is_fenwick,
    load_id
from latest
