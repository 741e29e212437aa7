with leaderships as (select * from {{ ref('stg_blb__leaderships') }})

select
    player_id,
    team_id,
    season_id,
    season,
    player_full_name,
    team_name,
    leadership,
    skill_rating,
    load_id
from leaderships
