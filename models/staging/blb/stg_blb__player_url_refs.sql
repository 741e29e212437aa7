with source as (select * from {{ source('blb', 'blb_dim_playerurlref') }}),

typed as (
    select
        {{ wb_text('n_player_url') }} as n_player_url,
        {{ wb_text('player_full_name') }} as player_full_name,
        {{ wb_id('n_player_id_2') }} as n_player_id_2,
        load_id,
        row_number
    from source
),

latest as ({{ wb_latest_per_key('typed', ['n_player_url']) }})

select n_player_url, player_full_name, n_player_id_2, load_id
from latest
