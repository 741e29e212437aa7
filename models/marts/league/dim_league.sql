with leagues as (select * from {{ ref('stg_blb__leagues') }})

select league_id, league, load_id
from leagues
