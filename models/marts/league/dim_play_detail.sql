with play_details as (select * from {{ ref('stg_blb__play_details') }})

-- The staging model already holds the published columns; the contract (yml) fixes the list.
select * from play_details
