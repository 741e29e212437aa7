-- League standings per team, season and game type from the schedule's played games with a
-- final score: W 2 points, T 1, L 0 (seed dim_game_result), goals, streak and last five.
with team_games as (select * from {{ ref('int_official_games_unpivoted') }}),

teams as (select * from {{ ref('stg_blb__teams') }}),

scoped as ({{ scoped_by_game_type('team_games') }}),

scoped_games as (
    select
        scoped.*,
        row_number() over (
            partition by scoped.team_id, scoped.season_id, scoped.scope_game_type
            order by scoped.game_date desc nulls last, scoped.game_time desc nulls last, scoped.game_id desc
        ) as games_ago
    from scoped
),

-- The streak is the run of results equal to the latest one, counted back to the first
-- different result.
streak_ends as (
    select
        latest.team_id,
        latest.season_id,
        latest.scope_game_type,
        latest.result as streak_result,
        min(earlier.games_ago) as first_break
    from scoped_games as latest
    left join scoped_games as earlier
        on earlier.team_id = latest.team_id
        and earlier.season_id = latest.season_id
        and earlier.scope_game_type = latest.scope_game_type
        and earlier.result <> latest.result
    where latest.games_ago = 1
    group by latest.team_id, latest.season_id, latest.scope_game_type, latest.result
),

totals as (
    select
        team_id,
        season_id,
        scope_game_type as game_type,
        {{ official_record_columns() }},
        count(*) filter (where result = 'W' and games_ago <= 5) as last_5_wins,
        count(*) filter (where result = 'L' and games_ago <= 5) as last_5_losses,
        count(*) filter (where result = 'T' and games_ago <= 5) as last_5_ties
    from scoped_games
    group by team_id, season_id, scope_game_type
),

final as (
    select
        totals.team_id,
        totals.season_id,
        totals.game_type,
        totals.season,
        teams.team_name,
        rank() over (
            partition by totals.season_id, totals.game_type
            order by totals.points desc, totals.wins desc,
                totals.goals_for - totals.goals_against desc, totals.goals_for desc
        )::integer as standing_rank,
        totals.games_played,
        totals.wins,
        totals.losses,
        totals.ties,
        totals.points,
        totals.goals_for,
        totals.goals_against,
        totals.goals_for - totals.goals_against as goal_diff,
        streak_ends.streak_result
            || coalesce(streak_ends.first_break - 1, totals.games_played) as streak,
        concat_ws('-', totals.last_5_wins, totals.last_5_losses, totals.last_5_ties) as last_5
    from totals
    inner join streak_ends
        on streak_ends.team_id = totals.team_id
        and streak_ends.season_id = totals.season_id
        and streak_ends.scope_game_type = totals.game_type
    left join teams on teams.team_id = totals.team_id
)

select * from final
