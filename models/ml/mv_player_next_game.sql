{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[{'columns': ['player_id'], 'unique': True}],
) }}

-- Every projected skater's next scheduled game (his team's earliest upcoming game of the season)
-- and the opponent / venue factor from the active `game_outcome` ratings: his team's expected
-- goals scale by exp(home x is_home - opponent defence), and the factor is that, divided by its
-- mean over the games he played (his projection already holds his average context):
-- factor = exp((home x is_home - opp_defence) - avg over his games (home x was_home - opp_defence)).
-- Every stat's next-game rate is Gamma(shape, rate / factor); P(at least one) is
-- 1 - (rate / (rate + factor)) ^ shape, the negative-binomial predictive's complement of zero.
-- No active game_outcome version: no rows.

with coef as (
    select term, value from {{ source('ml', 'active_coefficients') }}
    where model_name = 'game_outcome'
),

home as (
    select value as home from coef where term = 'home'
),

proj as (
    select * from {{ ref('mv_player_projections') }}
    where team_id is not null and position <> 'G'
),

next_game as (
    select distinct on (t.team_id)
        t.team_id,
        s.game_id,
        s.game_date,
        t.is_home,
        case when t.is_home then s.away_team_id else s.home_team_id end as opponent_id,
        case when t.is_home then s.away_team_name else s.home_team_name end as opponent_name
    from {{ ref('dim_schedule') }} as s
    cross join lateral (
        values (s.home_team_id, true), (s.away_team_id, false)
    ) as t (team_id, is_home)
    where s.schedule_type = 'Upcoming'
        and s.season_id = (select max(p.season_id) from proj as p)
        and s.home_team_id is not null and s.away_team_id is not null
    order by t.team_id, s.game_date, s.game_id
),

context as (
    -- His average context over the games he played (every season, as the projection pools them).
    select
        p.player_id,
        avg(
            h.home * (p.team_id = s.home_team_id)::int
            - coalesce(d.value, 0)
        ) as avg_context
    from {{ ref('fact_player_game_stats') }} as p
    inner join {{ ref('dim_schedule') }} as s on s.game_id = p.game_id
    cross join home as h
    left join coef as d on d.term = 'defence:' || case
        when p.team_id = s.home_team_id then s.away_team_id else s.home_team_id
    end
    where p.player_id is not null
    group by p.player_id
),

factors as (
    select
        pr.player_id,
        n.game_id,
        n.game_date,
        n.is_home,
        n.opponent_id,
        n.opponent_name,
        coalesce(d.value, 0) as opponent_defence,
        h.home as home_advantage,
        exp(h.home * n.is_home::int - coalesce(d.value, 0) - coalesce(c.avg_context, 0)) as factor
    from proj as pr
    inner join next_game as n on n.team_id = pr.team_id
    cross join home as h
    left join coef as d on d.term = 'defence:' || n.opponent_id
    left join context as c on c.player_id = pr.player_id
)

select
    p.player_id,
    p.player_name,
    p.position,
    p.team_id,
    f.game_id,
    f.game_date,
    f.is_home,
    f.opponent_id,
    f.opponent_name,
    f.opponent_defence,
    f.home_advantage,
    f.factor,
    p.games,
    {%- for stat in ['goals', 'assists', 'points', 'sog'] %}
    p.{{ stat }}_shape,
    p.{{ stat }}_rate / f.factor as {{ stat }}_rate,
    p.{{ stat }}_per_game * f.factor as {{ stat }}_expected,
    1 - power(p.{{ stat }}_rate / (p.{{ stat }}_rate + f.factor), p.{{ stat }}_shape) as {{ stat }}_p_at_least_one,
    {%- endfor %}
    p.model_version
from proj as p
inner join factors as f on f.player_id = p.player_id
