with event_details_2 as (select * from {{ ref('stg_blb__event_details_2') }})

-- The staging model already holds the published columns; the contract (yml) fixes the list.
select * from event_details_2
