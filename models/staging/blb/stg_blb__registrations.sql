with source as (select * from {{ source('blb', 'blb_fact_registration') }}),

-- `email` is personal data: it stays in raw (owner only) and is never selected downstream.
typed as (
    select
        {{ wb_id('player_season_registration_id') }} as player_season_registration_id,
        {{ wb_text('player_full_name') }} as player_full_name,
        {{ wb_id('player_id') }} as player_id,
        {{ wb_id('season_id') }} as season_id,
        {{ wb_integer('season') }} as season,
        {{ wb_boolean('restricted') }} as restricted,
        {{ wb_text('position') }} as position,
        {{ wb_text('norad_experience') }} as norad_experience,
        {{ wb_text('caf') }} as caf,
        {{ wb_text('highest_beer_league_played') }} as highest_beer_league_played,
        {{ wb_numeric('skill_rating') }} as skill_rating,
        {{ wb_integer('age') }} as age,
        {{ wb_text('referred_by') }} as referred_by,
        {{ wb_text('notes') }} as notes,
        {{ wb_boolean('sub_yn') }} as sub_yn,
        {{ wb_text('drafted_team_name') }} as drafted_team_name,
        {{ wb_id('drafted_team_id') }} as drafted_team_id,
        load_id,
        row_number
    from source
),

latest as ({{ wb_latest_per_key('typed', ['player_season_registration_id']) }})

select
    player_season_registration_id,
    player_full_name,
    player_id,
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
from latest
