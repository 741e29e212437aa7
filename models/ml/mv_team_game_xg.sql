{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[{'columns': ['game_id', 'team_id'], 'unique': True}],
) }}

-- Team x game: xGF / xGA from the team's and the opponent's unblocked attempts (counted from
-- events, never summed over skaters), goals against them.

with active as (
    select version from {{ source('ml', 'model_versions') }}
    where model_name = 'xg' and is_active
),

shots as (select * from {{ ref('mv_shot_xg') }}),

sums as (
    select
        game_id,
        team_id,
        sum(xg) as xgf,
        count(*) as unblocked_attempts_for
    from shots
    group by game_id, team_id
)

select
    t.game_id,
    t.team_id,
    t.venue,
    t.goals_for,
    t.goals_against,
    coalesce(f.unblocked_attempts_for, 0) as unblocked_attempts_for,
    coalesce(g.unblocked_attempts_for, 0) as unblocked_attempts_against,
    round(coalesce(f.xgf, 0)::numeric, 4) as xgf,
    round(coalesce(g.xgf, 0)::numeric, 4) as xga,
    round((coalesce(f.xgf, 0) / nullif(coalesce(f.xgf, 0) + coalesce(g.xgf, 0), 0))::numeric, 4)
        as xgf_pct,
    a.version as model_version
from {{ ref('fact_team_game_stats') }} as t
cross join active as a
left join sums as f on f.game_id = t.game_id and f.team_id = t.team_id
left join sums as g on g.game_id = t.game_id and g.team_id <> t.team_id
