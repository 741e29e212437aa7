{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[{'columns': ['player_id'], 'unique': True}],
) }}

-- Goalie projection (benchsight/ml/goalie_projection.py): every goalie's tracked games, shots on
-- goal and saves, the active Beta(alpha, beta) prior and his posterior Beta(alpha + saves,
-- beta + goals against): projected save % = its mean, shrink_weight = shots / (shots + alpha +
-- beta). GSAx from mv_goalie_game_xg (null without an active xg model), shrunk with the same
-- weight. The team is the one of his latest game; team_games_remaining = its upcoming games in
-- that game's season.

with model as (
    select
        v.version,
        max(c.value) filter (where c.term = 'alpha') as alpha,
        max(c.value) filter (where c.term = 'beta') as beta
    from {{ source('ml', 'model_versions') }} as v
    inner join {{ source('ml', 'active_coefficients') }} as c on c.model_name = v.model_name
    where v.model_name = 'goalie_projection' and v.is_active
    group by v.version
),

games as (
    select
        g.player_id,
        count(*) as games,
        sum(g.shots_against) as shots_against,
        sum(g.saves) as saves,
        sum(g.goals_against) as goals_against,
        (array_agg(g.team_id order by s.game_date desc, g.game_id desc))[1] as team_id,
        (array_agg(s.season_id order by s.game_date desc, g.game_id desc))[1] as season_id
    from {{ ref('fact_goalie_game_stats') }} as g
    inner join {{ ref('dim_schedule') }} as s on s.game_id = g.game_id
    group by g.player_id
),

xg as (
    select
        player_id,
        sum(unblocked_attempts_against) as unblocked_attempts_against,
        sum(goals_against_unblocked) as goals_against_unblocked,
        sum(xga) as xga,
        sum(gsax) as gsax
    from {{ ref('mv_goalie_game_xg') }}
    group by player_id
),

remaining as (
    select g.player_id, count(s.game_id) as team_games_remaining
    from games as g
    left join {{ ref('dim_schedule') }} as s
        on s.season_id = g.season_id and s.schedule_type = 'Upcoming'
        and g.team_id in (s.home_team_id, s.away_team_id)
    group by g.player_id
)

select
    g.player_id,
    p.player_full_name as player_name,
    g.team_id,
    g.season_id,
    g.games,
    g.shots_against,
    g.saves,
    g.goals_against,
    round(g.saves::numeric / nullif(g.shots_against, 0), 4) as save_pct,
    m.alpha::float8 as prior_alpha,
    m.beta::float8 as prior_beta,
    (m.alpha + g.saves)::float8 as posterior_alpha,
    (m.beta + g.goals_against)::float8 as posterior_beta,
    ((m.alpha + g.saves) / (m.alpha + m.beta + g.shots_against))::float8 as projected_save_pct,
    (g.shots_against / (g.shots_against + m.alpha + m.beta))::float8 as shrink_weight,
    (g.shots_against::float8 / g.games) as shots_against_per_game,
    x.unblocked_attempts_against,
    x.goals_against_unblocked,
    x.xga::float8 as xga,
    x.gsax::float8 as gsax,
    (x.gsax * g.shots_against / (g.shots_against + m.alpha + m.beta) / g.games)::float8
        as projected_gsax_per_game,
    r.team_games_remaining,
    m.version as model_version
from games as g
cross join model as m
inner join remaining as r on r.player_id = g.player_id
left join xg as x on x.player_id = g.player_id
left join {{ ref('dim_player') }} as p on p.player_id = g.player_id
