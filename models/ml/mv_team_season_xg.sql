{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[{'columns': ['season_id', 'team_id'], 'unique': True}],
) }}

-- Team x season: the team-game xG rows summed over the season's tracked games.

select
    s.season_id,
    t.team_id,
    count(*) as games,
    sum(t.goals_for) as goals_for,
    sum(t.goals_against) as goals_against,
    sum(t.xgf) as xgf,
    sum(t.xga) as xga,
    round(sum(t.xgf) / nullif(sum(t.xgf) + sum(t.xga), 0), 4) as xgf_pct,
    max(t.model_version) as model_version
from {{ ref('mv_team_game_xg') }} as t
inner join {{ ref('dim_schedule') }} as s on s.game_id = t.game_id
group by s.season_id, t.team_id
