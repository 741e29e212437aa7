with event_details_2 as (select * from {{ ref('stg_blb__event_details_2') }})

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
from event_details_2
