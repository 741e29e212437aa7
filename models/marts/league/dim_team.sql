with teams as (select * from {{ ref('stg_blb__teams') }})

-- The staging model already holds the published columns; the contract (yml) fixes the list.
select * from teams
