{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[
        {'columns': ['player_id'], 'unique': True},
        {'columns': ['team_id']},
    ],
) }}

-- Every player's impact on on-ice xGF / xGA (and GF / GA) per 60 at even strength, from the active
-- version of model `player_impact` (benchsight/ml/line_impact.py). A player without stints in the
-- training has null impacts and toi_seconds 0. No active version: no rows.

with model as (
    select version from {{ source('ml', 'model_versions') }}
    where model_name = 'player_impact' and is_active
),

coef as (
    select
        term,
        value,
        split_part(term, ':', 1) || ':' || split_part(term, ':', 2) as kind,
        substr(term, length(split_part(term, ':', 1)) + length(split_part(term, ':', 2)) + 3)
            as player_id
    from {{ source('ml', 'active_coefficients') }}
    where model_name = 'player_impact' and term ~ '^(xg|goals):(off|def):'
),

impacts as (
    select
        player_id,
        max(value) filter (where kind = 'xg:off') as xg_off,
        max(value) filter (where kind = 'xg:def') as xg_def,
        max(value) filter (where kind = 'goals:off') as goals_off,
        max(value) filter (where kind = 'goals:def') as goals_def
    from coef
    group by player_id
),

toi as (
    select substr(term, 5) as player_id, value as seconds
    from {{ source('ml', 'active_coefficients') }}
    where model_name = 'player_impact' and term like 'toi:%'
)

select
    p.player_id,
    p.player_full_name,
    case
        when upper(left(trim(p.player_primary_position), 1)) in ('F', 'C', 'L', 'R', 'W') then 'F'
        when upper(left(trim(p.player_primary_position), 1)) = 'D' then 'D'
        when upper(left(trim(p.player_primary_position), 1)) = 'G' then 'G'
    end as position,
    nullif(trim(p.player_norad_current_team_id), '') as team_id,
    coalesce(t.seconds, 0) as toi_seconds,
    i.xg_off as xgf60_impact,
    i.xg_def as xga60_impact,
    i.xg_off - i.xg_def as net_xg60_impact,
    i.goals_off as gf60_impact,
    i.goals_def as ga60_impact,
    i.goals_off - i.goals_def as net_goals60_impact,
    m.version as model_version
from {{ ref('dim_player') }} as p
cross join model as m
left join impacts as i on i.player_id = p.player_id
left join toi as t on t.player_id = p.player_id
