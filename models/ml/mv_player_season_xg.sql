{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[{'columns': ['season_id', 'player_id', 'team_id'], 'unique': True}],
) }}

-- Skater x season x team: the player-game xG rows summed over the season's games.

select
    s.season_id,
    p.player_id,
    p.team_id,
    count(*) as games,
    sum(p.unblocked_attempts) as unblocked_attempts,
    sum(p.ixg) as ixg,
    sum(p.goals) as goals,
    sum(p.goals_above_ixg) as goals_above_ixg,
    sum(p.xgf) as xgf,
    sum(p.xga) as xga,
    round(sum(p.xgf) / nullif(sum(p.xgf) + sum(p.xga), 0), 4) as xgf_pct,
    max(p.model_version) as model_version
from {{ ref('mv_player_game_xg') }} as p
inner join {{ ref('dim_schedule') }} as s on s.game_id = p.game_id
group by s.season_id, p.player_id, p.team_id
