with source as (select * from {{ source('blb', 'blb_dim_event_detail_2') }}),

typed as (
    select
        {{ wb_id('event_detail_2_id') }} as event_detail_2_id,
        {{ wb_text('event_detail_2_code') }} as event_detail_2_code,
        {{ wb_text('event_detail_2_name') }} as event_detail_2_name,
        {{ wb_text('event_type') }} as event_type,
        {{ wb_text('category') }} as category,
        {{ wb_text('description') }} as description,
        {{ wb_boolean('is_shot_on_goal') }} as is_shot_on_goal,
        {{ wb_boolean('is_goal') }} as is_goal,
        {{ wb_boolean('is_miss') }} as is_miss,
        {{ wb_boolean('is_block') }} as is_block,
        {{ wb_text('danger_potential') }} as danger_potential,
        {{ wb_text('event_type_macro') }} as event_type_macro,
        load_id,
        row_number
    from source
),

latest as ({{ wb_latest_per_key('typed', ['event_detail_2_id']) }})

select
    event_detail_2_id,
    event_detail_2_code,
    event_detail_2_name,
    event_type,
    category,
    description,
    is_shot_on_goal,
    is_goal,
    is_miss,
    is_block,
    danger_potential,
    event_type_macro,
    load_id
from latest
