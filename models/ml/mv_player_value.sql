{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[{'columns': ['player_id', 'position_group'], 'unique': True}],
) }}

-- Player value (benchsight/ml/player_value.py): every player's mean game score per tracked game
-- (the marts' game_score) above the replacement level of his position group (F, D: the position
-- a skater played most; G) from the active model; standard_error = the group's pooled
-- game-to-game sd / sqrt(games). A group without a replacement level has no rows.

with model as (
    select version from {{ source('ml', 'model_versions') }}
    where model_name = 'player_value' and is_active
),

coef as (
    select
        split_part(term, '|', 2) as position_group,
        max(value) filter (where term like 'replacement|%') as replacement,
        max(value) filter (where term like 'pooled_sd|%') as pooled_sd
    from {{ source('ml', 'active_coefficients') }}
    where model_name = 'player_value'
    group by split_part(term, '|', 2)
),

skater_groups as (
    select player_id, mode() within group (order by position) as position_group
    from {{ ref('fact_player_game_stats') }}
    group by player_id
),

scores as (
    select s.player_id, k.position_group, s.game_score
    from {{ ref('fact_player_game_stats') }} as s
    inner join skater_groups as k on k.player_id = s.player_id
    union all
    select player_id, 'G', game_score
    from {{ ref('fact_goalie_game_stats') }}
),

players as (
    select
        player_id,
        position_group,
        count(*) as games,
        avg(game_score)::float8 as game_score_per_game
    from scores
    group by player_id, position_group
)

select
    p.player_id,
    dp.player_full_name as player_name,
    p.position_group,
    p.games,
    p.game_score_per_game,
    c.replacement::float8 as replacement_level,
    (p.game_score_per_game - c.replacement)::float8 as value_per_game,
    (c.pooled_sd / sqrt(p.games))::float8 as standard_error,
    ((p.game_score_per_game - c.replacement) * p.games)::float8 as value_total,
    m.version as model_version
from players as p
cross join model as m
inner join coef as c on c.position_group = p.position_group
left join {{ ref('dim_player') }} as dp on dp.player_id = p.player_id
