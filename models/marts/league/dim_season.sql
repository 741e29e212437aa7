with seasons as (select * from {{ ref('stg_blb__seasons') }}),

games as (select * from {{ ref('stg_blb__games') }}),

-- The current season is the one of the latest played game; before any game is played, the
-- season that starts last.
latest_played_game as (
    select season_id
    from games
    where schedule_type = 'Past' and season_id is not null
    order by game_date desc nulls last, game_time desc nulls last, game_id desc
    limit 1
),

latest_started_season as (
    select season_id
    from seasons
    order by start_date desc nulls last, season desc nulls last, season_id desc
    limit 1
),

current_season as (
    select coalesce(
        (select season_id from latest_played_game),
        (select season_id from latest_started_season)
    ) as season_id
),

final as (
    select
        seasons.season_id,
        seasons.season,
        seasons.session,
        seasons.norad,
        seasons.csah,
        seasons.league_id,
        seasons.league,
        seasons.start_date,
        seasons.season_display,
        coalesce(seasons.season_id = current_season.season_id, false) as is_current,
        seasons.load_id
    from seasons
    cross join current_season
)

select * from final
