-- Official skater totals per season and game type, from the league's own roster lines of
-- played games; every line appears under its game type and under 'All'.
with lines as (select * from {{ ref('int_official_roster_lines_joined') }}),

players as (select * from {{ ref('stg_blb__players') }}),

teams as (select * from {{ ref('stg_blb__teams') }}),

skater_lines as (
    {{ scoped_by_game_type('lines') }}
    where lines.played and lines.player_position is distinct from 'Goalie'
),

-- A player who subbed for another team keeps the team he played most games for.
main_team as ({{ main_team_by_scope('skater_lines') }}),

totals as (
    select
        player_id,
        season_id,
        scope_game_type as game_type,
        max(season) as season,
        max(player_full_name) as roster_name,
        count(*)::integer as games_played,
        count(*) filter (where sub)::integer as games_as_sub,
        coalesce(sum(goals), 0)::integer as goals,
        coalesce(sum(assists), 0)::integer as assists,
        coalesce(sum(pim), 0)::integer as pim
    from skater_lines
    group by player_id, season_id, scope_game_type
),

final as (
    select
        totals.player_id,
        totals.season_id,
        totals.game_type,
        totals.season,
        coalesce(players.player_full_name, totals.roster_name) as player_full_name,
        main_team.team_id,
        teams.team_name,
        totals.games_played,
        totals.games_as_sub,
        totals.goals,
        totals.assists,
        totals.goals + totals.assists as points,
        totals.pim,
        round(totals.goals::numeric / nullif(totals.games_played, 0), 3) as goals_per_game,
        round((totals.goals + totals.assists)::numeric / nullif(totals.games_played, 0), 3)
            as points_per_game
    from totals
    left join main_team
        on main_team.player_id = totals.player_id
        and main_team.season_id = totals.season_id
        and main_team.scope_game_type = totals.game_type
    left join players on players.player_id = totals.player_id
    left join teams on teams.team_id = main_team.team_id
)

select * from final
