{{ config(
    materialized='materialized_view',
    schema='ml',
    on_configuration_change='apply',
    indexes=[{'columns': ['game_id', 'player_id'], 'unique': True}],
) }}

-- Next-goal-scorer inputs for every game of the current season (the projection's): the skaters
-- of each side (a tracked game: those who dressed; any other game: the skaters whose latest game
-- was for that team) with their shrunk goals per 60 (mv_player_projections) and expected TOI in
-- hours (his mean TOI per game with usable shifts, else his position's mean):
-- intensity = goals per 60 x expected hours, the expected goals he scores over a whole game.

with proj as (
    select * from {{ ref('mv_player_projections') }} where position <> 'G'
),

position_toi as (
    select position, sum(toi_hours) / nullif(sum(games_with_toi), 0) as toi_hours_per_game
    from proj
    group by position
),

games as (
    select s.game_id, s.game_date, s.schedule_type, s.home_team_id, s.away_team_id
    from {{ ref('dim_schedule') }} as s
    where s.season_id = (select max(p.season_id) from proj as p)
        and s.home_team_id is not null and s.away_team_id is not null
),

dressed as (
    select f.game_id, f.player_id, f.team_id
    from {{ ref('fact_player_game_stats') }} as f
    inner join games as g on g.game_id = f.game_id
    where f.player_id is not null and coalesce(f.position, 'F') <> 'G'
),

rosters as (
    select game_id, player_id, team_id, true as dressed from dressed
    union all
    select g.game_id, p.player_id, p.team_id, false
    from games as g
    inner join proj as p on p.team_id in (g.home_team_id, g.away_team_id) and p.games > 0
    where not exists (select 1 from dressed as d where d.game_id = g.game_id)
)

select
    r.game_id,
    r.player_id,
    p.player_name,
    p.position,
    r.team_id,
    case when r.team_id = g.home_team_id then 'home' else 'away' end as side,
    r.dressed,
    p.goals_per_60,
    coalesce(p.toi_hours_per_game, t.toi_hours_per_game) as expected_toi_hours,
    p.goals_per_60 * coalesce(p.toi_hours_per_game, t.toi_hours_per_game) as intensity,
    p.model_version
from rosters as r
inner join games as g on g.game_id = r.game_id
inner join proj as p on p.player_id = r.player_id
left join position_toi as t on t.position = p.position
where r.team_id in (g.home_team_id, g.away_team_id)
