-- Official goalie totals per season and game type, from the league's own roster lines of
-- played games (position Goalie); every line appears under its game type and under 'All'.
with lines as (select * from {{ ref('int_official_roster_lines_joined') }}),

players as (select * from {{ ref('stg_blb__players') }}),

teams as (select * from {{ ref('stg_blb__teams') }}),

goalie_lines as (
    {{ scoped_by_game_type('lines') }}
    where lines.played and lines.player_position = 'Goalie'
),

main_team as ({{ main_team_by_scope('goalie_lines') }}),

totals as (
    select
        player_id,
        season_id,
        scope_game_type as game_type,
        max(season) as season,
        max(player_full_name) as roster_name,
        count(*)::integer as games_played,
        -- A goalie listed for his team is credited with its result (the sheet names no goalie
        -- of record when two share a game).
        {{ result_counts() }},
        coalesce(sum(goals_against), 0)::integer as goals_against,
        coalesce(sum(shutouts), 0)::integer as shutouts,
        coalesce(sum(goals), 0)::integer as goals,
        coalesce(sum(assists), 0)::integer as assists,
        coalesce(sum(pim), 0)::integer as pim
    from goalie_lines
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
        totals.wins,
        totals.losses,
        totals.ties,
        totals.goals_against,
        round(totals.goals_against::numeric / nullif(totals.games_played, 0), 3) as gaa,
        totals.shutouts,
        totals.goals,
        totals.assists,
        totals.goals + totals.assists as points,
        totals.pim
    from totals
    left join main_team
        on main_team.player_id = totals.player_id
        and main_team.season_id = totals.season_id
        and main_team.scope_game_type = totals.game_type
    left join players on players.player_id = totals.player_id
    left join teams on teams.team_id = main_team.team_id
)

select * from final
