-- The sheet's email column is personal data and is not published (staging never selects it).
with registrations as (select * from {{ ref('stg_blb__registrations') }})

select
    player_season_registration_id,
    player_id,
    player_full_name,
    season_id,
    season,
    restricted,
    position,
    norad_experience,
    caf,
    highest_beer_league_played,
    skill_rating,
    age,
    referred_by,
    notes,
    sub_yn,
    drafted_team_name,
    drafted_team_id,
    load_id
from registrations
