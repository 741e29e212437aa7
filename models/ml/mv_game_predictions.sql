{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[{'columns': ['game_id'], 'unique': True}],
) }}

-- Every scheduled game (played and upcoming) scored with the active `game_outcome` ratings:
-- expected goals per side (exp(intercept + home + attack - opponent defence)), P(home win),
-- P(draw), P(away win) over the independent Poisson score grid 0..15 (renormalised), and the most
-- likely scoreline. A played game's prediction uses ratings fitted on results including it.

with coef as (
    select term, value from {{ source('ml', 'active_coefficients') }}
    where model_name = 'game_outcome'
),

model as (
    select
        max(value) filter (where term = 'intercept') as intercept,
        max(value) filter (where term = 'home') as home,
        (select v.version from {{ source('ml', 'model_versions') }} as v
            where v.model_name = 'game_outcome' and v.is_active) as model_version
    from coef
),

games as (
    select
        s.game_id,
        s.game_date,
        s.season_id,
        s.game_type,
        s.schedule_type,
        s.home_team_id,
        s.away_team_id,
        s.home_team_name,
        s.away_team_name,
        s.home_total_goals as home_goals,
        s.away_total_goals as away_goals,
        m.model_version,
        exp(m.intercept + m.home + coalesce(ha.value, 0) - coalesce(ad.value, 0)) as home_xg,
        exp(m.intercept + coalesce(aa.value, 0) - coalesce(hd.value, 0)) as away_xg
    from {{ ref('dim_schedule') }} as s
    cross join model as m
    left join coef as ha on ha.term = 'attack:' || s.home_team_id
    left join coef as hd on hd.term = 'defence:' || s.home_team_id
    left join coef as aa on aa.term = 'attack:' || s.away_team_id
    left join coef as ad on ad.term = 'defence:' || s.away_team_id
    where m.model_version is not null and s.home_team_id is not null and s.away_team_id is not null
),

grid as (
    select
        g.game_id,
        h.k as home_k,
        a.k as away_k,
        exp(-g.home_xg) * g.home_xg ^ h.k / factorial(h.k)::float8
        * exp(-g.away_xg) * g.away_xg ^ a.k / factorial(a.k)::float8 as p
    from games as g
    cross join generate_series(0, 15) as h (k)
    cross join generate_series(0, 15) as a (k)
),

sums as (
    select
        game_id,
        sum(p) as mass,
        sum(p) filter (where home_k > away_k) as p_home,
        sum(p) filter (where home_k = away_k) as p_draw,
        sum(p) filter (where home_k < away_k) as p_away,
        (array_agg(home_k order by p desc, home_k, away_k))[1] as score_home,
        (array_agg(away_k order by p desc, home_k, away_k))[1] as score_away
    from grid
    group by game_id
)

select
    g.game_id,
    g.game_date,
    g.season_id,
    g.game_type,
    g.schedule_type,
    g.home_team_id,
    g.away_team_id,
    g.home_team_name,
    g.away_team_name,
    g.home_goals,
    g.away_goals,
    round(g.home_xg::numeric, 4) as home_expected_goals,
    round(g.away_xg::numeric, 4) as away_expected_goals,
    round((s.p_home / s.mass)::numeric, 4) as p_home_win,
    round((s.p_draw / s.mass)::numeric, 4) as p_draw,
    round((s.p_away / s.mass)::numeric, 4) as p_away_win,
    s.score_home as predicted_home_goals,
    s.score_away as predicted_away_goals,
    g.model_version
from games as g
inner join sums as s on s.game_id = g.game_id
