with event_types as (select * from {{ ref('stg_blb__event_types') }})

-- The staging model already holds the published columns; the contract (yml) fixes the list.
select * from event_types
