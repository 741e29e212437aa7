{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[
        {'columns': ['shot_id'], 'unique': True},
        {'columns': ['game_id']},
    ],
) }}

-- xG of every unblocked attempt, scored with the active version of model `xg` (benchsight/ml/xg.py):
-- p = 1 / (1 + exp(-z)), z = intercept + sum(coefficient * feature) of the attempt's variant
-- (`loc:` with a location, `noloc:` without). No active version: no rows (never a made-up number).

with coef as (
    select c.term, c.value, c.version
    from {{ source('ml', 'active_coefficients') }} as c
    where c.model_name = 'xg'
),

fixed as (
    select
        max(version) as model_version,
        max(value) filter (where term = 'loc:intercept') as loc_intercept,
        max(value) filter (where term = 'loc:distance_ft') as loc_distance_ft,
        max(value) filter (where term = 'loc:angle_deg') as loc_angle_deg,
        max(value) filter (where term = 'loc:rebound') as loc_rebound,
        max(value) filter (where term = 'loc:rush') as loc_rush,
        max(value) filter (where term = 'loc:power_play') as loc_power_play,
        max(value) filter (where term = 'loc:short_handed') as loc_short_handed,
        max(value) filter (where term = 'loc:empty_net') as loc_empty_net,
        max(value) filter (where term = 'noloc:intercept') as noloc_intercept,
        max(value) filter (where term = 'noloc:rebound') as noloc_rebound,
        max(value) filter (where term = 'noloc:rush') as noloc_rush,
        max(value) filter (where term = 'noloc:power_play') as noloc_power_play,
        max(value) filter (where term = 'noloc:short_handed') as noloc_short_handed,
        max(value) filter (where term = 'noloc:empty_net') as noloc_empty_net
    from coef
),

shots as (
    select
        s.shot_id,
        s.event_id,
        s.game_id,
        s.period,
        s.game_seconds,
        s.venue,
        s.team_id,
        s.opp_team_id,
        s.shooter_player_id,
        s.goalie_player_id,
        s.outcome,
        s.outcome = 'goal' as is_goal,
        s.shot_type,
        s.distance_ft,
        s.angle_deg,
        coalesce(s.is_rebound, false) as is_rebound,
        coalesce(s.is_rush, false) as is_rush,
        s.situation,
        s.strength_state,
        coalesce(s.is_empty_net, false) as is_empty_net,
        case
            when s.distance_ft is not null and s.angle_deg is not null and f.loc_intercept is not null
                then 'loc'
            else 'noloc'
        end as xg_variant,
        f.*
    from {{ ref('fact_shots') }} as s
    cross join fixed as f
    where s.is_unblocked and f.model_version is not null
),

logits as (
    select
        s.*,
        case
            when s.xg_variant = 'loc'
                then
                    s.loc_intercept
                    + s.loc_distance_ft * s.distance_ft
                    + s.loc_angle_deg * s.angle_deg
                    + s.loc_rebound * s.is_rebound::int
                    + s.loc_rush * s.is_rush::int
                    + s.loc_power_play * (s.situation = 'pp')::int
                    + s.loc_short_handed * (s.situation = 'sh')::int
                    + s.loc_empty_net * s.is_empty_net::int
            else
                s.noloc_intercept
                + s.noloc_rebound * s.is_rebound::int
                + s.noloc_rush * s.is_rush::int
                + s.noloc_power_play * (s.situation = 'pp')::int
                + s.noloc_short_handed * (s.situation = 'sh')::int
                + s.noloc_empty_net * s.is_empty_net::int
        end + coalesce(t.value, 0) as z
    from shots as s
    left join coef as t on t.term = s.xg_variant || ':shot_type:' || s.shot_type
)

select
    shot_id,
    event_id,
    game_id,
    period,
    game_seconds,
    venue,
    team_id,
    opp_team_id,
    shooter_player_id,
    goalie_player_id,
    outcome,
    is_goal,
    shot_type,
    distance_ft,
    angle_deg,
    is_rebound,
    is_rush,
    situation,
    strength_state,
    is_empty_net,
    xg_variant,
    -- exp() of a large negative number underflows in Postgres: the logit is clamped to +-30.
    1.0 / (1.0 + exp(-greatest(-30.0, least(30.0, z)))) as xg,
    model_version
from logits
