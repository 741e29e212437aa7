-- Grain: game x venue x jersey. Which player wore a jersey in a game: the tracker's own roster
-- first, else the official game roster of that game and team. Never a league-wide jersey map.
with tracker_roster as (select * from {{ ref('stg_tracker__rosters') }}),

official_roster as (select * from {{ ref('stg_blb__game_rosters') }}),

from_tracker as (
    select distinct on (game_id, venue, jersey)
        game_id, venue, jersey, player_id, player_name, position_code, 'tracker' as resolved_from, 1 as priority
    from tracker_roster
    where jersey is not null and player_id is not null
    order by game_id, venue, jersey, roster_order
),

from_official as (
    select distinct on (game_id, team_venue, player_game_number)
        game_id,
        team_venue as venue,
        player_game_number as jersey,
        player_id,
        player_full_name as player_name,
        left(player_position, 1) as position_code,
        'gameroster' as resolved_from,
        2 as priority
    from official_roster
    where player_game_number is not null and player_id is not null
    order by game_id, team_venue, player_game_number, player_id
),

final as (
    select distinct on (game_id, venue, jersey)
        game_id, venue, jersey, player_id, player_name, position_code, resolved_from
    from (select * from from_tracker union all select * from from_official) as candidates
    order by game_id, venue, jersey, priority
)

select * from final
