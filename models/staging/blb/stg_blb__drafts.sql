with source as (select * from {{ source('blb', 'blb_fact_draft') }}),

typed as (
    select
        {{ wb_id('player_draft_id') }} as player_draft_id,
        {{ wb_id('team_id') }} as team_id,
        {{ wb_numeric('skill_rating') }} as skill_rating,
        {{ wb_integer('round') }} as round,
        {{ wb_text('player_full_name') }} as player_full_name,
        {{ wb_id('player_id') }} as player_id,
        {{ wb_text('team_name') }} as team_name,
        {{ wb_boolean('restricted') }} as restricted,
        {{ wb_integer('overall_draft_round') }} as overall_draft_round,
        {{ wb_integer('overall_draft_position') }} as overall_draft_position,
        {{ wb_integer('unrestricted_draft_position') }} as unrestricted_draft_position,
        {{ wb_integer('season') }} as season,
        {{ wb_id('season_id') }} as season_id,
        {{ wb_text('league') }} as league,
        load_id,
        row_number
    from source
),

latest as ({{ wb_latest_per_key('typed', ['player_draft_id']) }})

select
    player_draft_id,
    team_id,
    skill_rating,
    round,
    player_full_name,
    player_id,
    team_name,
    restricted,
    overall_draft_round,
    overall_draft_position,
    unrestricted_draft_position,
    season,
    season_id,
    league,
    load_id
from latest
