with play_details_2 as (select * from {{ ref('stg_blb__play_details_2') }})

select
    play_detail_2_id,
    play_detail_2_code,
    play_detail_2_name,
    play_category,
    skill_level,
    description,
    load_id
from play_details_2
