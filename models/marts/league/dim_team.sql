with teams as (select * from {{ ref('stg_blb__teams') }})

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
from teams
