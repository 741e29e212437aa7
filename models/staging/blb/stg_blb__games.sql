with source as (select * from {{ source('blb', 'blb_dim_schedule') }}),

typed as (
    select
        {{ wb_integer('game_id') }} as game_id,
        {{ wb_integer('season') }} as season,
        {{ wb_id('season_id') }} as season_id,
        {{ wb_text('game_url') }} as game_url,
        {{ wb_date('date') }} as game_date,
        {{ wb_time('game_time') }} as game_time,
        {{ wb_text('home_team_name') }} as home_team_name,
        {{ wb_text('away_team_name') }} as away_team_name,
        {{ wb_id('home_team_id') }} as home_team_id,
        {{ wb_id('away_team_id') }} as away_team_id,
        {{ wb_id('head_to_head_id') }} as head_to_head_id,
        -- One spelling per game type: the sheet has `Regular`, `regular`, `Playoff(s)`.
        case
            when lower(btrim(game_type)) like 'regular%' then 'Regular'
            when lower(btrim(game_type)) like 'playoff%' then 'Playoffs'
            else {{ wb_text('game_type') }}
        end as game_type,
        {{ wb_id('playoff_round') }} as playoff_round,
        {{ wb_text('last_period_type') }} as last_period_type,
        {{ wb_integer('period_length') }} as period_length,
        {{ wb_integer('ot_period_length') }} as ot_period_length,
        {{ wb_integer('shootout_rounds') }} as shootout_rounds,
        case lower(btrim(schedule_type))
            when 'past' then 'Past'
            when 'upcoming' then 'Upcoming'
            when 'ppd' then 'PPD'
            when 'postponed' then 'PPD'
            else {{ wb_text('schedule_type') }}
        end as schedule_type,
        {{ wb_boolean('include') }} as include,
        {{ wb_integer('home_total_goals') }} as home_total_goals,
        {{ wb_integer('away_total_goals') }} as away_total_goals,
        {{ wb_integer('home_team_period1_goals') }} as home_team_period1_goals,
        {{ wb_integer('home_team_period2_goals') }} as home_team_period2_goals,
        {{ wb_integer('home_team_period3_goals') }} as home_team_period3_goals,
        {{ wb_integer('home_team_periodot_goals') }} as home_team_periodot_goals,
        {{ wb_integer('away_team_period1_goals') }} as away_team_period1_goals,
        {{ wb_integer('away_team_period2_goals') }} as away_team_period2_goals,
        {{ wb_integer('away_team_period3_goals') }} as away_team_period3_goals,
        {{ wb_integer('away_team_periodot_goals') }} as away_team_periodot_goals,
        {{ wb_integer('home_team_seeding') }} as home_team_seeding,
        {{ wb_integer('home_team_w') }} as home_team_w,
        {{ wb_integer('home_team_l') }} as home_team_l,
        {{ wb_integer('home_team_t') }} as home_team_t,
        {{ wb_integer('home_team_pts') }} as home_team_pts,
        {{ wb_integer('away_team_seeding') }} as away_team_seeding,
        {{ wb_integer('away_team_w') }} as away_team_w,
        {{ wb_integer('away_team_l') }} as away_team_l,
        {{ wb_integer('away_team_t') }} as away_team_t,
        {{ wb_integer('away_team_pts') }} as away_team_pts,
        load_id,
        row_number
    from source
),

latest as ({{ wb_latest_per_key('typed', ['game_id']) }})

select
    game_id,
    season,
    season_id,
    game_url,
    game_date,
    game_time,
    home_team_name,
    away_team_name,
    home_team_id,
    away_team_id,
    head_to_head_id,
    game_type,
    playoff_round,
    last_period_type,
    period_length,
    ot_period_length,
    shootout_rounds,
    schedule_type,
    include,
    home_total_goals,
    away_total_goals,
    home_team_period1_goals,
    home_team_period2_goals,
    home_team_period3_goals,
    home_team_periodot_goals,
    away_team_period1_goals,
    away_team_period2_goals,
    away_team_period3_goals,
    away_team_periodot_goals,
    home_team_seeding,
    home_team_w,
    home_team_l,
    home_team_t,
    home_team_pts,
    away_team_seeding,
    away_team_w,
    away_team_l,
    away_team_t,
    away_team_pts,
    load_id
from latest
