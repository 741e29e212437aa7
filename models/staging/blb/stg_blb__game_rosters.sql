with source as (select * from {{ source('blb', 'blb_fact_gameroster') }}),

typed as (
    select
        {{ wb_integer('game_id') }} as game_id,
        {{ wb_id('player_id') }} as player_id,
        lower({{ wb_text('team_venue') }}) as team_venue,
        {{ wb_text('team_name') }} as team_name,
        {{ wb_text('opp_team_name') }} as opp_team_name,
        {{ wb_id('player_game_number') }} as player_game_number,
        -- Forward / Defense / Goalie, whatever the case or abbreviation the sheet used.
        case upper(left(btrim(player_position), 1))
            when 'F' then 'Forward'
            when 'D' then 'Defense'
            when 'G' then 'Goalie'
            else {{ wb_text('player_position') }}
        end as player_position,
        {{ wb_integer('games_played') }} as games_played,
        {{ wb_integer('goals') }} as goals,
        {{ wb_integer('assist') }} as assists,
        {{ wb_integer('goals_against') }} as goals_against,
        {{ wb_integer('pim') }} as pim,
        {{ wb_integer('shutouts') }} as shutouts,
        {{ wb_id('team_id') }} as team_id,
        {{ wb_id('opp_team_id') }} as opp_team_id,
        {{ wb_text('player_full_name') }} as player_full_name,
        {{ wb_date('date') }} as game_date,
        {{ wb_integer('season') }} as season,
        {{ wb_boolean('sub') }} as sub,
        {{ wb_text('current_team') }} as current_team,
        load_id,
        row_number
    from source
),

latest as ({{ wb_latest_per_key('typed', ['game_id', 'player_id']) }})

select
    game_id,
    player_id,
    team_venue,
    team_name,
    opp_team_name,
    player_game_number,
    player_position,
    games_played,
    goals,
    assists,
    goals_against,
    pim,
    shutouts,
    team_id,
    opp_team_id,
    player_full_name,
    game_date,
    season,
    sub,
    current_team,
    load_id
from latest
