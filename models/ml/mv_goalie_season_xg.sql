{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[{'columns': ['season_id', 'player_id', 'team_id'], 'unique': True}],
) }}

-- Goalie x season x team: the goalie-game xG rows summed over the season's games.

select
    s.season_id,
    g.player_id,
    g.team_id,
    count(*) as games,
    sum(g.unblocked_attempts_against) as unblocked_attempts_against,
    sum(g.goals_against_unblocked) as goals_against_unblocked,
    sum(g.xga) as xga,
    sum(g.gsax) as gsax,
    max(g.model_version) as model_version
from {{ ref('mv_goalie_game_xg') }} as g
inner join {{ ref('dim_schedule') }} as s on s.game_id = g.game_id
group by s.season_id, g.player_id, g.team_id
