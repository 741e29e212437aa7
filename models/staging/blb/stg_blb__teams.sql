with source as (select * from {{ source('blb', 'blb_dim_team') }}),

typed as (
    select
        {{ wb_id('team_id') }} as team_id,
        {{ wb_text('team_name') }} as team_name,
        {{ wb_boolean('norad_team') }} as is_league_team,
        {{ wb_id('league_id') }} as league_id,
        {{ wb_text('league') }} as league,
        {{ wb_text('long_team_name') }} as long_team_name,
        {{ wb_text('team_cd') }} as team_cd,
        {{ wb_text('team_color1') }} as team_color1,
        {{ wb_text('team_color2') }} as team_color2,
        {{ wb_text('team_color3') }} as team_color3,
        {{ wb_text('team_color4') }} as team_color4,
        {{ wb_text('team_logo') }} as team_logo,
        {{ wb_text('team_url') }} as team_url,
        load_id,
        row_number
    from source
),

latest as ({{ wb_latest_per_key('typed', ['team_id']) }})

select
    team_id,
    team_name,
    league_id,
    league,
    long_team_name,
    team_cd,
    team_color1,
    team_color2,
    team_color3,
    team_color4,
    team_logo,
    team_url,
    load_id
from latest
-- The sheet also lists outside teams (norad_team = 'N'); only 'Y' teams play in this league.
where is_league_team
