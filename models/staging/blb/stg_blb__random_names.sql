with source as (select * from {{ source('blb', 'blb_dim_randomnames') }}),

typed as (
    select
        {{ wb_text('random_full_name') }} as random_full_name,
        {{ wb_text('random_first_name') }} as random_first_name,
        {{ wb_text('random_last_name') }} as random_last_name,
        {{ wb_text('gender') }} as gender,
        {{ wb_boolean('name_used') }} as name_used,
        load_id,
        row_number
    from source
),

latest as ({{ wb_latest_per_key('typed', ['random_full_name']) }})

select random_full_name, random_first_name, random_last_name, gender, name_used, load_id
from latest
