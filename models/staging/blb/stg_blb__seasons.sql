with source as (select * from {{ source('blb', 'blb_dim_season') }}),

typed as (
    select
        {{ wb_id('season_id') }} as season_id,
        {{ wb_integer('season') }} as season,
        {{ wb_text('session') }} as session,
        {{ wb_boolean('norad') }} as norad,
        {{ wb_boolean('csah') }} as csah,
        {{ wb_id('league_id') }} as league_id,
        {{ wb_text('league') }} as league,
        {{ wb_date('start_date') }} as start_date,
        {{ wb_text('season_display') }} as season_display,
        load_id,
        row_number
    from source
),

latest as ({{ wb_latest_per_key('typed', ['season_id']) }})

select
    season_id,
    season,
    session,
    norad,
    csah,
    league_id,
    league,
    start_date,
    season_display,
    load_id
from latest
