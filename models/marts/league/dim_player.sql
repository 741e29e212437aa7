with players as (select * from {{ ref('stg_blb__players') }})

select
    player_id,
    player_first_name,
    player_last_name,
    player_full_name,
    player_primary_position,
    current_skill_rating,
    birth_year,
    player_gender,
    highest_beer_league,
    player_rating_ly,
    player_leadership,
    player_norad,
    player_norad_current_team,
    player_norad_current_team_id,
    other_url,
    player_url,
    player_image,
    load_id
from players
