{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[{'columns': ['game_id', 'player_id'], 'unique': True}],
) }}

-- Goalie x game: expected goals against from the unblocked attempts he faced (fact_shots'
-- goalie on the ice), the goals among them, and GSAx = xGA - GA (docs/metrics.md "Goalies").

with active as (
    select version from {{ source('ml', 'model_versions') }}
    where model_name = 'xg' and is_active
),

faced as (
    select
        game_id,
        goalie_player_id as player_id,
        count(*) as unblocked_attempts_against,
        count(*) filter (where is_goal) as goals_against_unblocked,
        sum(xg) as xga
    from {{ ref('mv_shot_xg') }}
    where goalie_player_id is not null
    group by game_id, goalie_player_id
)

select
    g.game_id,
    g.player_id,
    g.team_id,
    g.venue,
    g.goals_against,
    coalesce(f.unblocked_attempts_against, 0) as unblocked_attempts_against,
    coalesce(f.goals_against_unblocked, 0) as goals_against_unblocked,
    round(coalesce(f.xga, 0)::numeric, 4) as xga,
    round((coalesce(f.xga, 0) - coalesce(f.goals_against_unblocked, 0))::numeric, 4) as gsax,
    a.version as model_version
from {{ ref('fact_goalie_game_stats') }} as g
cross join active as a
left join faced as f on f.game_id = g.game_id and f.player_id = g.player_id
