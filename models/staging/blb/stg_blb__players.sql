with source as (select * from {{ source('blb', 'blb_dim_player') }}),

typed as (
    select
        {{ wb_id('player_id') }} as player_id,
        {{ wb_text('player_first_name') }} as player_first_name,
        {{ wb_text('player_last_name') }} as player_last_name,
        {{ wb_text('player_full_name') }} as player_full_name,
        {{ wb_text('player_primary_position') }} as player_primary_position,
        {{ wb_numeric('current_skill_rating') }} as current_skill_rating,
        {{ wb_integer('birth_year') }} as birth_year,
        {{ wb_text('player_gender') }} as player_gender,
        {{ wb_text('highest_beer_league') }} as highest_beer_league,
        {{ wb_numeric('player_rating_ly') }} as player_rating_ly,
        {{ wb_text('player_leadership') }} as player_leadership,
        {{ wb_boolean('player_norad') }} as player_norad,
        {{ wb_text('player_norad_current_team') }} as player_norad_current_team,
        {{ wb_id('player_norad_current_team_id') }} as player_norad_current_team_id,
        {{ wb_text('other_url') }} as other_url,
        {{ wb_text('player_url') }} as player_url,
        {{ wb_text('player_image') }} as player_image,
        load_id,
        row_number
    from source
),

latest as ({{ wb_latest_per_key('typed', ['player_id']) }})

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
from latest
