with event_details as (select * from {{ ref('stg_blb__event_details') }})

-- The staging model already holds the published columns; the contract (yml) fixes the list.
select * from event_details
