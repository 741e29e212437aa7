{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[{'columns': ['team_id'], 'unique': True}],
) }}

-- Every team's ratings from the active version of model `game_outcome` (benchsight/ml/ratings.py):
-- attack and defence on the log-goals scale, rating = attack + defence. A team without played
-- games has no coefficient and rates 0 (the prior mean, the league average), with games = 0.

with model as (
    select version, parameters
    from {{ source('ml', 'model_versions') }}
    where model_name = 'game_outcome' and is_active
),

coef as (
    select term, value from {{ source('ml', 'active_coefficients') }}
    where model_name = 'game_outcome'
)

select
    t.team_id,
    t.team_name,
    coalesce((m.parameters -> 'team_games' ->> t.team_id)::int, 0) as games,
    round(coalesce(a.value, 0)::numeric, 4) as attack,
    round(coalesce(d.value, 0)::numeric, 4) as defence,
    round((coalesce(a.value, 0) + coalesce(d.value, 0))::numeric, 4) as rating,
    rank() over (order by coalesce(a.value, 0) + coalesce(d.value, 0) desc) as rating_rank,
    m.version as model_version
from {{ ref('dim_team') }} as t
cross join model as m
left join coef as a on a.term = 'attack:' || t.team_id
left join coef as d on d.term = 'defence:' || t.team_id
