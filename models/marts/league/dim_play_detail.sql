with play_details as (select * from {{ ref('stg_blb__play_details') }})

select
    play_detail_id,
    play_detail_code,
    play_detail_name,
    play_category,
    skill_level,
    description,
    load_id
from play_details
