with rosters as (select * from {{ ref('stg_blb__game_rosters') }}),

games as (select * from {{ ref('stg_blb__games') }}),

final as (
    select
        rosters.game_id,
        rosters.player_id,
        rosters.team_id,
        rosters.opp_team_id,
        rosters.team_venue,
        rosters.team_name,
        rosters.opp_team_name,
        rosters.player_full_name,
        rosters.player_game_number,
        rosters.player_position,
        rosters.games_played,
        rosters.goals,
        rosters.assists,
        -- A blank cell beside a filled one is a 0 the admin did not type.
        case
            when rosters.goals is not null or rosters.assists is not null
                then coalesce(rosters.goals, 0) + coalesce(rosters.assists, 0)
        end as points,
        rosters.goals_against,
        rosters.pim,
        rosters.shutouts,
        coalesce(rosters.game_date, games.game_date) as game_date,
        coalesce(rosters.season, games.season) as season,
        games.season_id,
        games.game_type,
        rosters.sub,
        rosters.current_team,
        rosters.load_id
    from rosters
    left join games on games.game_id = rosters.game_id
)

select * from final
