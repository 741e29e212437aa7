with games as (select * from {{ ref('stg_blb__games') }})

-- The staging model already holds the published columns; the contract (yml) fixes the list.
select * from games
