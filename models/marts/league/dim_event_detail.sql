with event_details as (select * from {{ ref('stg_blb__event_details') }})

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
from event_details
