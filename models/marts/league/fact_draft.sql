with drafts as (select * from {{ ref('stg_blb__drafts') }})

select
    player_draft_id,
    player_id,
    player_full_name,
    team_id,
    team_name,
    season_id,
    season,
    league,
    round,
    overall_draft_round,
    overall_draft_position,
    unrestricted_draft_position,
    skill_rating,
    restricted,
    load_id
from drafts
