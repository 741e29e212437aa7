{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[{'columns': ['player_id'], 'unique': True}],
) }}

-- Every player of dim_player (and any skater of the facts) with his projection from the active
-- version of model `player_projection` (benchsight/ml/player_projection.py): his counts over every
-- tracked game (all seasons, as the model pools them) and, per stat and basis, the posterior
-- gamma shape (prior shape + count) and rate (prior rate + games, or + TOI hours); the projected
-- rate is shape / rate. The prior of SOG is his position's (alpha, beta); that of goals, assists
-- and points follows his shot index (shot_index_*: his shrunk SOG rate over his position's mean):
-- shape beta x exp(log_scale + slope x ln(index)), rate beta (cov:* coefficients). Bases: per
-- game, per 60 (TOI hours) and share (per team goal while he was on the ice; for sog, per team
-- shot on goal while he was on); the share index is the share over his position's prior mean
-- share (1 = his position's average).
-- games_remaining: his team's (the team of his latest game) upcoming games of the current season
-- (season_id: the model's, that of the latest game). A goalie or a player without games has
-- games = 0.

with model as (
    select version, parameters ->> 'season_id' as season_id
    from {{ source('ml', 'model_versions') }}
    where model_name = 'player_projection' and is_active
),

coef as (
    select term, value from {{ source('ml', 'active_coefficients') }}
    where model_name = 'player_projection'
),

played as (
    select
        p.player_id,
        p.team_id,
        p.game_id,
        s.game_date,
        case when p.position = 'D' then 'D' else 'F' end as position,
        p.goals,
        p.a1 + p.a2 as assists,
        p.goals + p.a1 + p.a2 as points,
        p.sog,
        p.toi_seconds,
        p.gf_on_ice,
        p.sf
    from {{ ref('fact_player_game_stats') }} as p
    inner join {{ ref('dim_schedule') }} as s on s.game_id = p.game_id
    where p.player_id is not null and coalesce(p.position, 'F') <> 'G'
),

totals as (
    select
        player_id,
        mode() within group (order by position) as position,
        (array_agg(team_id order by game_date desc, game_id desc))[1] as team_id,
        count(*) as games,
        count(toi_seconds) as games_with_toi,
        coalesce(sum(toi_seconds), 0) / 3600.0 as toi_hours,
        sum(goals)::int as goals,
        sum(assists)::int as assists,
        sum(points)::int as points,
        sum(sog)::int as sog,
        coalesce(sum(goals) filter (where toi_seconds is not null), 0)::int as goals_toi,
        coalesce(sum(assists) filter (where toi_seconds is not null), 0)::int as assists_toi,
        coalesce(sum(points) filter (where toi_seconds is not null), 0)::int as points_toi,
        coalesce(sum(sog) filter (where toi_seconds is not null), 0)::int as sog_toi,
        coalesce(sum(gf_on_ice) filter (where toi_seconds is not null), 0)::int as gf_on_ice,
        coalesce(sum(sf) filter (where toi_seconds is not null), 0)::int as sf_on_ice,
        max(game_date) as last_game_date
    from played
    group by player_id
),

players as (
    select
        coalesce(t.player_id, d.player_id) as player_id,
        d.player_full_name as player_name,
        coalesce(
            t.position,
            case d.player_primary_position when 'Defense' then 'D' when 'Goalie' then 'G' else 'F' end
        ) as position,
        t.team_id,
        coalesce(t.games, 0) as games,
        coalesce(t.games_with_toi, 0) as games_with_toi,
        coalesce(t.toi_hours, 0) as toi_hours,
        coalesce(t.goals, 0) as goals,
        coalesce(t.assists, 0) as assists,
        coalesce(t.points, 0) as points,
        coalesce(t.sog, 0) as sog,
        coalesce(t.goals_toi, 0) as goals_toi,
        coalesce(t.assists_toi, 0) as assists_toi,
        coalesce(t.points_toi, 0) as points_toi,
        coalesce(t.sog_toi, 0) as sog_toi,
        coalesce(t.gf_on_ice, 0) as gf_on_ice,
        coalesce(t.sf_on_ice, 0) as sf_on_ice,
        t.last_game_date
    from totals as t
    full join {{ ref('dim_player') }} as d on d.player_id = t.player_id
),

prior as (
    select
        split_part(term, ':', 4) as prior_position,
        {%- for stat in ['goals', 'assists', 'points', 'sog'] %}
        {%- for basis in ['game', '60', 'share'] %}
        max(value) filter (where term like 'prior:{{ stat }}:{{ basis }}:%:alpha') as {{ stat }}_{{ basis }}_alpha,
        max(value) filter (where term like 'prior:{{ stat }}:{{ basis }}:%:beta') as {{ stat }}_{{ basis }}_beta,
        {%- endfor %}
        {%- endfor %}
        {%- for stat in ['goals', 'assists', 'points'] %}
        {%- for basis in ['game', '60', 'share'] %}
        {%- for part in ['log_scale', 'slope', 'beta'] %}
        max(value) filter (where term like 'cov:{{ stat }}:{{ basis }}:%:{{ part }}')
            as {{ stat }}_{{ basis }}_cov_{{ part }},
        {%- endfor %}
        {%- endfor %}
        {%- endfor %}
        count(*) as terms
    from coef
    group by split_part(term, ':', 4)
),

-- The covariate of the scoring priors: his shrunk SOG rate on each basis over his position's
-- mean (1 without exposure on the basis).
indexed as (
    select
        p.*,
        pr.*,
        {%- set bases = [('game', 'sog', 'games'), ('60', 'sog_toi', 'toi_hours'), ('share', 'sog_toi', 'sf_on_ice')] %}
        {%- for basis, count, exposure in bases %}
        (pr.sog_{{ basis }}_alpha + p.{{ count }}) / (pr.sog_{{ basis }}_beta + p.{{ exposure }})
        / (pr.sog_{{ basis }}_alpha / pr.sog_{{ basis }}_beta) as shot_index_{{ basis }}{{ ',' if not loop.last }}
        {%- endfor %}
    from players as p
    left join prior as pr on pr.prior_position = p.position
),

-- Each stat's prior (shape, rate) per skater: goals, assists and points follow his shot index,
-- shape beta x exp(log_scale + slope x ln(index)), rate beta; sog (or a position without the
-- covariate fit) the position's plain alpha and beta.
priors as (
    select
        i.*,
        {%- for stat in ['goals', 'assists', 'points', 'sog'] %}
        {%- for basis in ['game', '60', 'share'] %}
        {%- if stat == 'sog' %}
        i.sog_{{ basis }}_alpha as sog_{{ basis }}_a,
        i.sog_{{ basis }}_beta as sog_{{ basis }}_b,
        {%- else %}
        coalesce(
            i.{{ stat }}_{{ basis }}_cov_beta
            * exp(
                i.{{ stat }}_{{ basis }}_cov_log_scale
                + i.{{ stat }}_{{ basis }}_cov_slope * ln(i.shot_index_{{ basis }})
            ),
            i.{{ stat }}_{{ basis }}_alpha
        ) as {{ stat }}_{{ basis }}_a,
        coalesce(i.{{ stat }}_{{ basis }}_cov_beta, i.{{ stat }}_{{ basis }}_beta) as {{ stat }}_{{ basis }}_b,
        {%- endif %}
        {%- endfor %}
        {%- endfor %}
        i.terms as prior_terms
    from indexed as i
),

remaining as (
    select team_id, count(*) as games_remaining
    from (
        select s.home_team_id as team_id from {{ ref('dim_schedule') }} as s
        inner join model as m on m.season_id = s.season_id
        where s.schedule_type = 'Upcoming'
        union all
        select s.away_team_id from {{ ref('dim_schedule') }} as s
        inner join model as m on m.season_id = s.season_id
        where s.schedule_type = 'Upcoming'
    ) as sides
    where team_id is not null
    group by team_id
)

select
    p.player_id,
    p.player_name,
    p.position,
    p.team_id,
    m.season_id,
    p.games,
    p.games_with_toi,
    round(p.toi_hours::numeric, 4)::float8 as toi_hours,
    p.toi_hours / nullif(p.games_with_toi, 0) as toi_hours_per_game,
    p.goals,
    p.assists,
    p.points,
    p.sog,
    p.goals_toi,
    p.assists_toi,
    p.points_toi,
    p.sog_toi,
    p.gf_on_ice,
    p.sf_on_ice,
    p.last_game_date,
    case when p.team_id is not null then coalesce(r.games_remaining, 0) end as games_remaining,
    {%- for stat in ['goals', 'assists', 'points', 'sog'] %}
    p.{{ stat }}_game_a + p.{{ stat }} as {{ stat }}_shape,
    p.{{ stat }}_game_b + p.games as {{ stat }}_rate,
    (p.{{ stat }}_game_a + p.{{ stat }}) / (p.{{ stat }}_game_b + p.games) as {{ stat }}_per_game,
    p.{{ stat }}_60_a + p.{{ stat }}_toi as {{ stat }}_60_shape,
    p.{{ stat }}_60_b + p.toi_hours as {{ stat }}_60_rate,
    (p.{{ stat }}_60_a + p.{{ stat }}_toi) / (p.{{ stat }}_60_b + p.toi_hours) as {{ stat }}_per_60,
    {%- set on_ice = 'sf_on_ice' if stat == 'sog' else 'gf_on_ice' %}
    p.{{ stat }}_share_a + p.{{ stat }}_toi as {{ stat }}_share_shape,
    p.{{ stat }}_share_b + p.{{ on_ice }} as {{ stat }}_share_rate,
    (p.{{ stat }}_share_a + p.{{ stat }}_toi) / (p.{{ stat }}_share_b + p.{{ on_ice }}) as {{ stat }}_share,
    (p.{{ stat }}_share_a + p.{{ stat }}_toi) / (p.{{ stat }}_share_b + p.{{ on_ice }})
    / (p.{{ stat }}_share_alpha / p.{{ stat }}_share_beta) as {{ stat }}_share_index,
    {%- endfor %}
    p.shot_index_game,
    p.shot_index_60,
    p.shot_index_share,
    m.version as model_version
from priors as p
cross join model as m
left join remaining as r on r.team_id = p.team_id
where p.player_id is not null
