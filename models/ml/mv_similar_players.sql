{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[{'columns': ['player_id', 'similar_player_id'], 'unique': True},
             {'columns': ['player_id', 'rank']}],
) }}

-- Similar players (benchsight/ml/similar_players.py): for every profiled skater, the TOP_K other
-- skaters of his position group nearest by Euclidean distance over the standardised profile
-- (z values stored as coefficients `z|group|player|feature` of the active model; a feature left
-- out of the group is 0 for all). similarity_score = 1 / (1 + rms_z_gap), rms_z_gap = distance /
-- sqrt(features of the group). similar_attributes: the features whose z values differ by less
-- than 0.5 (half a group sd), closest first; feature_gaps: z(similar) - z(player) per feature.

with model as (
    select version, (parameters ->> 'top_k')::int as top_k
    from {{ source('ml', 'model_versions') }}
    where model_name = 'similar_players' and is_active
),

z as (
    select
        split_part(term, '|', 2) as position_group,
        split_part(term, '|', 3) as player_id,
        split_part(term, '|', 4) as feature,
        value
    from {{ source('ml', 'active_coefficients') }}
    where model_name = 'similar_players' and term like 'z|%'
),

group_features as (
    select position_group, count(distinct feature) as features
    from z
    group by position_group
),

pairs as (
    select
        a.position_group,
        a.player_id,
        b.player_id as similar_player_id,
        sqrt(sum((b.value - a.value) ^ 2)) as distance,
        array_agg(a.feature order by abs(b.value - a.value), a.feature)
            filter (where abs(b.value - a.value) < 0.5) as similar_attributes,
        jsonb_object_agg(a.feature, round((b.value - a.value)::numeric, 3)) as feature_gaps
    from z as a
    inner join z as b
        on a.position_group = b.position_group and a.feature = b.feature
        and a.player_id <> b.player_id
    group by a.position_group, a.player_id, b.player_id
),

ranked as (
    select
        p.*,
        row_number() over (
            partition by p.player_id order by p.distance, p.similar_player_id
        ) as rank
    from pairs as p
)

select
    r.player_id,
    r.rank,
    r.similar_player_id,
    sp.player_full_name as similar_player_name,
    r.position_group,
    r.distance::float8 as distance,
    (1 / (1 + r.distance / sqrt(gf.features)))::float8 as similarity_score,
    coalesce(r.similar_attributes, '{}') as similar_attributes,
    r.feature_gaps,
    m.version as model_version
from ranked as r
cross join model as m
inner join group_features as gf on gf.position_group = r.position_group
left join {{ ref('dim_player') }} as sp on sp.player_id = r.similar_player_id
where r.rank <= m.top_k
