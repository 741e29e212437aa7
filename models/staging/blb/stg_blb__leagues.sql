with source as (select * from {{ source('blb', 'blb_dim_league') }}),

typed as (
    select
        {{ wb_id('league_id') }} as league_id,
        {{ wb_text('league') }} as league,
        load_id,
        row_number
    from source
),

latest as ({{ wb_latest_per_key('typed', ['league_id']) }})

select league_id, league, load_id
from latest
