{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[{'columns': ['game_id', 'player_id'], 'unique': True}],
) }}

-- Skater x game: individual xG (ixg, the player's own unblocked attempts) and on-ice xGF / xGA
-- (attempts while he was on the ice, by the half-open rule of fact_event_on_ice). On-ice numbers
-- are null for a game without usable shifts (null TOI), as the marts' on-ice counts are.

with active as (
    select version from {{ source('ml', 'model_versions') }}
    where model_name = 'xg' and is_active
),

shots as (select * from {{ ref('mv_shot_xg') }}),

individual as (
    select
        game_id,
        shooter_player_id as player_id,
        count(*) as unblocked_attempts,
        sum(xg) as ixg
    from shots
    where shooter_player_id is not null
    group by game_id, shooter_player_id
),

on_ice as (
    select
        o.game_id,
        o.player_id,
        sum(s.xg) filter (where o.is_event_team) as xgf,
        sum(s.xg) filter (where not o.is_event_team) as xga
    from shots as s
    inner join {{ ref('fact_event_on_ice') }} as o on o.event_id = s.event_id
    where not o.is_goalie
    group by o.game_id, o.player_id
)

select
    p.game_id,
    p.player_id,
    p.team_id,
    p.venue,
    coalesce(i.unblocked_attempts, 0) as unblocked_attempts,
    round(coalesce(i.ixg, 0)::numeric, 4) as ixg,
    p.goals,
    round((p.goals - coalesce(i.ixg, 0))::numeric, 4) as goals_above_ixg,
    case when p.toi_seconds is not null then round(coalesce(o.xgf, 0)::numeric, 4) end as xgf,
    case when p.toi_seconds is not null then round(coalesce(o.xga, 0)::numeric, 4) end as xga,
    case
        when p.toi_seconds is not null
            then round((coalesce(o.xgf, 0) / nullif(coalesce(o.xgf, 0) + coalesce(o.xga, 0), 0))::numeric, 4)
    end as xgf_pct,
    a.version as model_version
from {{ ref('fact_player_game_stats') }} as p
cross join active as a
left join individual as i on i.game_id = p.game_id and i.player_id = p.player_id
left join on_ice as o on o.game_id = p.game_id and o.player_id = p.player_id
