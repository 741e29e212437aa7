{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[{'columns': ['player_id'], 'unique': True}],
) }}

-- Recent form against the projection, for every skater with at least 6 tracked games (all
-- seasons, as the projection pools them): his points in his last 4 games against the
-- negative-binomial predictive of 4 games from his projection fitted on his earlier games only
-- (the position's prior from the active `player_projection` version, updated with his games
-- before the last 4):
--   shape = alpha + points before, rate = beta + games before,
--   expected = 4 x shape / rate, variance = expected + 4^2 x shape / rate^2,
--   z = (points in the last 4 - expected) / sqrt(variance).
-- A breakout is z >= 2 (the API lists those). improvement_pct = 100 x (recent points per game /
-- projected points per game - 1).

{% set recent = 4 %}
{% set min_games = 6 %}
{% set z_threshold = 2.0 %}

with proj as (
    select player_id, player_name, position, team_id, season_id, games, model_version
    from {{ ref('mv_player_projections') }}
    where games >= {{ min_games }} and position <> 'G'
),

prior as (
    select
        split_part(term, ':', 4) as position,
        max(value) filter (where term like '%:alpha') as alpha,
        max(value) filter (where term like '%:beta') as beta
    from {{ source('ml', 'active_coefficients') }}
    where model_name = 'player_projection' and term like 'prior:points:game:%'
    group by split_part(term, ':', 4)
),

games as (
    select
        p.player_id,
        p.goals + p.a1 + p.a2 as points,
        row_number() over (partition by p.player_id order by s.game_date desc, s.game_id desc) as back
    from {{ ref('fact_player_game_stats') }} as p
    inner join {{ ref('dim_schedule') }} as s on s.game_id = p.game_id
    inner join proj as pr on pr.player_id = p.player_id
),

split as (
    select
        player_id,
        (sum(points) filter (where back <= {{ recent }}))::int as recent_points,
        coalesce(sum(points) filter (where back > {{ recent }}), 0)::int as earlier_points,
        count(*) filter (where back > {{ recent }}) as earlier_games
    from games
    group by player_id
),

scored as (
    select
        pr.*,
        s.recent_points,
        s.earlier_points,
        s.earlier_games,
        pi.alpha + s.earlier_points as shape,
        pi.beta + s.earlier_games as rate
    from proj as pr
    inner join split as s on s.player_id = pr.player_id
    inner join prior as pi on pi.position = pr.position
)

select
    player_id,
    player_name,
    position,
    team_id,
    season_id,
    games,
    {{ recent }} as recent_games,
    recent_points,
    earlier_games,
    earlier_points,
    shape / rate as projected_points_per_game,
    {{ recent }} * shape / rate as expected_recent_points,
    ({{ recent }} * shape / rate + {{ recent }} ^ 2 * shape / rate ^ 2) as variance_recent_points,
    (recent_points - {{ recent }} * shape / rate)
    / sqrt({{ recent }} * shape / rate + {{ recent }} ^ 2 * shape / rate ^ 2) as z_score,
    100 * ((recent_points::float8 / {{ recent }}) / (shape / rate) - 1) as improvement_pct,
    {{ min_games }} as min_games,
    {{ z_threshold }}::float8 as z_threshold,
    (recent_points - {{ recent }} * shape / rate)
    / sqrt({{ recent }} * shape / rate + {{ recent }} ^ 2 * shape / rate ^ 2) >= {{ z_threshold }} as is_breakout,
    model_version
from scored
