with source as (select * from {{ source('blb', 'blb_dim_event_detail') }}),

typed as (
    select
        {{ wb_id('event_detail_id') }} as event_detail_id,
        {{ wb_text('event_detail_code') }} as event_detail_code,
        {{ wb_text('event_detail_name') }} as event_detail_name,
        {{ wb_text('event_type') }} as event_type,
        {{ wb_text('category') }} as category,
        {{ wb_text('description') }} as description,
        {{ wb_boolean('is_shot_on_goal') }} as is_shot_on_goal,
        {{ wb_boolean('is_goal') }} as is_goal,
        {{ wb_boolean('is_miss') }} as is_miss,
        {{ wb_boolean('is_block') }} as is_block,
        {{ wb_text('danger_potential') }} as danger_potential,
        load_id,
        row_number
    from source
),

latest as ({{ wb_latest_per_key('typed', ['event_detail_id']) }})

select
    event_detail_id,
    event_detail_code,
    event_detail_name,
    event_type,
    category,
    description,
    is_shot_on_goal,
    is_goal,
    is_miss,
    is_block,
    danger_potential,
    load_id
from latest
