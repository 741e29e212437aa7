{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[
        {'columns': ['unit_key'], 'unique': True},
        {'columns': ['unit_type']},
    ],
) }}

-- Line chemistry: every pair and trio of teammates that shared the ice at even strength (usable
-- shift rows of fact_shifts with as many home as away skaters and both goalies in: the rows model
-- `player_impact` is trained on), their on-ice xG and goals together (ml.mv_shot_xg, the attempt's
-- shift by the half-open rule), and what the individual impacts of the active `player_impact`
-- version predict for the same shift rows (every skater on the ice, both sides, and the home term:
-- rate per 60 = intercept + home + attackers' offence + defenders' defence, floored at 0, times the
-- seconds). The difference observed - expected is shrunk by toi / (toi + chemistry_prior_seconds).
-- No active version: no rows.

with model as (
    select version, (parameters ->> 'chemistry_prior_seconds')::float8 as prior_seconds
    from {{ source('ml', 'model_versions') }}
    where model_name = 'player_impact' and is_active
),

coef as (
    select term, value from {{ source('ml', 'active_coefficients') }}
    where model_name = 'player_impact'
),

base as (
    select
        max(value) filter (where term = 'xg:intercept') as xg_intercept,
        max(value) filter (where term = 'xg:home') as xg_home,
        max(value) filter (where term = 'goals:intercept') as goals_intercept,
        max(value) filter (where term = 'goals:home') as goals_home
    from coef
),

player_terms as (
    select
        term,
        value,
        substr(term, length(split_part(term, ':', 1)) + length(split_part(term, ':', 2)) + 3)
            as player_id
    from coef
    where term ~ '^(xg|goals):(off|def):'
),

impacts as (
    select
        player_id,
        max(value) filter (where term like 'xg:off:%') as xg_off,
        max(value) filter (where term like 'xg:def:%') as xg_def,
        max(value) filter (where term like 'goals:off:%') as goals_off,
        max(value) filter (where term like 'goals:def:%') as goals_def
    from player_terms
    group by player_id
),

shifts as (
    select shift_id, game_id, duration_s::float8 as seconds
    from {{ ref('fact_shifts') }}
    -- As many skaters each side, spelled by strength state: the planner estimates an IN list from
    -- the column's statistics (home_skaters = away_skaters it guessed at 0.5 % of the rows, and
    -- chose nested loops that took minutes on 600 games).
    -- No active version, no rows, decided before any shift is read (a one-time filter): the final
    -- cross join with `model` only emptied the result after every unit was built (21.7 s of each
    -- one-game build's refresh on an untrained 2,000-game league).
    where
        is_usable and duration_s > 0 and home_goalie_on and away_goalie_on
        and strength_state_home in ('1v1', '2v2', '3v3', '4v4', '5v5', '6v6')
        and exists (select 1 from model)
),

on_ice as (
    select distinct sp.shift_id, sp.venue, sp.team_id, sp.player_id
    from {{ ref('fact_shift_players') }} as sp
    inner join shifts as s on s.shift_id = sp.shift_id
    where not sp.is_goalie and sp.player_id is not null
),

side_rates as (
    select
        o.shift_id,
        o.venue,
        max(o.team_id) as team_id,
        sum(coalesce(i.xg_off, 0)) as xg_off,
        sum(coalesce(i.xg_def, 0)) as xg_def,
        sum(coalesce(i.goals_off, 0)) as goals_off,
        sum(coalesce(i.goals_def, 0)) as goals_def
    from on_ice as o
    left join impacts as i on i.player_id = o.player_id
    group by o.shift_id, o.venue
),

attempts as (
    select
        e.shift_id,
        x.venue,
        sum(x.xg) as xg,
        count(*) as attempts,
        count(*) filter (where x.is_goal) as goals
    from {{ ref('mv_shot_xg') }} as x
    inner join {{ ref('fact_events') }} as e on e.event_id = x.event_id
    inner join shifts as s on s.shift_id = e.shift_id
    group by e.shift_id, x.venue
),

-- Materialized: inlined, the planner joined the 2 M unit rows to both sides' rates before
-- pairing the sides (4 M rows, spilled to disk: 37 s on 600 games).
shift_sides as materialized (
    select
        s.shift_id,
        s.game_id,
        s.seconds,
        own.venue,
        own.team_id,
        coalesce(af.xg, 0) as xgf,
        coalesce(aa.xg, 0) as xga,
        coalesce(af.goals, 0) as gf,
        coalesce(aa.goals, 0) as ga,
        coalesce(af.attempts, 0) + coalesce(aa.attempts, 0) as attempts,
        greatest(
            b.xg_intercept + b.xg_home * (own.venue = 'home')::int + own.xg_off + opp.xg_def, 0
        ) * s.seconds / 3600 as exp_xgf,
        greatest(
            b.xg_intercept + b.xg_home * (opp.venue = 'home')::int + opp.xg_off + own.xg_def, 0
        ) * s.seconds / 3600 as exp_xga,
        greatest(
            b.goals_intercept + b.goals_home * (own.venue = 'home')::int + own.goals_off + opp.goals_def, 0
        ) * s.seconds / 3600 as exp_gf,
        greatest(
            b.goals_intercept + b.goals_home * (opp.venue = 'home')::int + opp.goals_off + own.goals_def, 0
        ) * s.seconds / 3600 as exp_ga
    from shifts as s
    inner join side_rates as own on own.shift_id = s.shift_id
    inner join side_rates as opp on opp.shift_id = s.shift_id and opp.venue <> own.venue
    cross join base as b
    left join attempts as af on af.shift_id = s.shift_id and af.venue = own.venue
    left join attempts as aa on aa.shift_id = s.shift_id and aa.venue = opp.venue
),

-- Each side of each shift row: its skaters, in byte order (collate "C", as unit keys are).
side_players as (
    select shift_id, venue, array_agg(player_id order by player_id collate "C") as ids
    from on_ice
    group by shift_id, venue
),

-- Every pair and trio of a side, keyed by its ids joined with chr(31) (never part of an id).
-- Indexes over the side's array: a self-join of on_ice three times took 7 of 37 s on 600 games.
units as (
    select 'pair' as unit_type, p.shift_id, p.venue, p.ids[i] || chr(31) || p.ids[j] as unit_key
    from side_players as p
    cross join lateral generate_series(1, cardinality(p.ids)) as i
    cross join lateral generate_series(i + 1, cardinality(p.ids)) as j
    union all
    select 'trio', p.shift_id, p.venue, p.ids[i] || chr(31) || p.ids[j] || chr(31) || p.ids[k]
    from side_players as p
    cross join lateral generate_series(1, cardinality(p.ids)) as i
    cross join lateral generate_series(i + 1, cardinality(p.ids)) as j
    cross join lateral generate_series(j + 1, cardinality(p.ids)) as k
),

-- Per unit and game first: the distinct counts below then run over 0.2 M rows, not 2 M.
per_game as (
    select
        u.unit_type,
        u.unit_key,
        ss.game_id,
        ss.team_id,
        count(*) as shift_rows,
        sum(ss.seconds) as toi,
        sum(ss.xgf) as xgf,
        sum(ss.xga) as xga,
        sum(ss.gf) as gf,
        sum(ss.ga) as ga,
        sum(ss.attempts) as attempts,
        sum(ss.exp_xgf) as exp_xgf,
        sum(ss.exp_xga) as exp_xga,
        sum(ss.exp_gf) as exp_gf,
        sum(ss.exp_ga) as exp_ga
    from units as u
    inner join shift_sides as ss on ss.shift_id = u.shift_id and ss.venue = u.venue
    group by u.unit_type, u.unit_key, ss.game_id, ss.team_id
),

together as (
    select
        unit_type,
        string_to_array(unit_key, chr(31)) as player_ids,
        array_agg(distinct team_id order by team_id) filter (where team_id is not null)
            as team_ids,
        count(distinct game_id) as games,
        sum(shift_rows) as shift_rows,
        sum(toi) as toi,
        sum(xgf) as xgf,
        sum(xga) as xga,
        sum(gf) as gf,
        sum(ga) as ga,
        sum(attempts) as attempts,
        sum(exp_xgf) as exp_xgf,
        sum(exp_xga) as exp_xga,
        sum(exp_gf) as exp_gf,
        sum(exp_ga) as exp_ga
    from per_game
    group by unit_type, unit_key
),

rates as (
    select
        t.*,
        t.xgf / nullif(t.xgf + t.xga, 0) as xgf_pct,
        t.gf::float8 / nullif(t.gf + t.ga, 0) as gf_pct,
        t.exp_xgf / nullif(t.exp_xgf + t.exp_xga, 0) as expected_xgf_pct,
        t.exp_gf / nullif(t.exp_gf + t.exp_ga, 0) as expected_gf_pct,
        t.toi / (t.toi + m.prior_seconds) as shrink_weight,
        m.version as model_version
    from together as t
    cross join model as m
)

select
    unit_type,
    array_to_string(player_ids, '-') as unit_key,
    player_ids,
    team_ids,
    games,
    shift_rows,
    toi as toi_together_s,
    attempts,
    xgf,
    xga,
    gf,
    ga,
    exp_xgf as expected_xgf,
    exp_xga as expected_xga,
    exp_gf as expected_gf,
    exp_ga as expected_ga,
    xgf_pct,
    expected_xgf_pct,
    xgf_pct - expected_xgf_pct as xgf_pct_diff,
    shrink_weight,
    shrink_weight * (xgf_pct - expected_xgf_pct) as xgf_pct_diff_shrunk,
    sqrt(xgf_pct * (1 - xgf_pct) / nullif(attempts, 0)) as xgf_pct_se,
    gf_pct,
    expected_gf_pct,
    gf_pct - expected_gf_pct as gf_pct_diff,
    shrink_weight * (gf_pct - expected_gf_pct) as gf_pct_diff_shrunk,
    (exp_xgf - exp_xga) / toi * 3600 as expected_xg_diff_per60,
    (xgf - xga - exp_xgf + exp_xga) / toi * 3600 as xg_diff_per60_residual,
    shrink_weight * (xgf - xga - exp_xgf + exp_xga) / toi * 3600 as xg_diff_per60_residual_shrunk,
    model_version
from rates
