-- The sheet's email column is personal data and is not published (staging never selects it).
with registrations as (select * from {{ ref('stg_blb__registrations') }})

-- The staging model already holds the published columns; the contract (yml) fixes the list.
select * from registrations
