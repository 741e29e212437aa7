with source as (select * from {{ source('blb', 'blb_dim_play_detail_2') }}),

typed as (
    select
        {{ wb_id('play_detail_2_id') }} as play_detail_2_id,
        {{ wb_text('play_detail_2_code') }} as play_detail_2_code,
        {{ wb_text('play_detail_2_name') }} as play_detail_2_name,
        {{ wb_text('play_category') }} as play_category,
        {{ wb_text('skill_level') }} as skill_level,
        {{ wb_text('description') }} as description,
        load_id,
        row_number
    from source
),

latest as ({{ wb_latest_per_key('typed', ['play_detail_2_id']) }})

select
    play_detail_2_id,
    play_detail_2_code,
    play_detail_2_name,
    play_category,
    skill_level,
    description,
    load_id
from latest
