with players as (select * from {{ ref('stg_blb__players') }})

-- The staging model already holds the published columns; the contract (yml) fixes the list.
select * from players
