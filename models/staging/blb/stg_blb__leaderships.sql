with source as (select * from {{ source('blb', 'blb_fact_leadership') }}),

typed as (
    select
        {{ wb_id('player_id') }} as player_id,
        {{ wb_id('team_id') }} as team_id,
        {{ wb_id('season_id') }} as season_id,
        {{ wb_text('player_full_name') }} as player_full_name,
        {{ wb_text('leadership') }} as leadership,
        {{ wb_numeric('skill_rating') }} as skill_rating,
        {{ wb_text('team_name') }} as team_name,
        {{ wb_integer('season') }} as season,
        load_id,
        row_number
    from source
),

latest as ({{ wb_latest_per_key('typed', ['player_id', 'team_id', 'season_id']) }})

select
    player_id,
    team_id,
    season_id,
    player_full_name,
    leadership,
    skill_rating,
    team_name,
    season,
    load_id
from latest
