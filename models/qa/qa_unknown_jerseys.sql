{{ incremental_by_game_config() }}

-- Grain: game x venue x jersey that no roster of that game resolves to a player. Kept in every
-- fact with a null player_id; counted here with where they were seen.
with event_players as (select * from {{ ref('fact_event_players') }} where {{ games_to_build() }}),

shift_players as (select * from {{ ref('fact_shift_players') }} where {{ games_to_build() }}),

unknown as (
    select game_id, coalesce(venue, 'unknown') as venue, jersey, 'event' as seen_in, load_id from event_players
    where player_id is null and jersey is not null
    union all
    select game_id, venue, jersey, 'shift' as seen_in, load_id from shift_players
    where player_id is null and jersey is not null
)

select
    game_id,
    venue,
    jersey,
    count(*) filter (where seen_in = 'event')::integer as event_rows,
    count(*) filter (where seen_in = 'shift')::integer as shift_rows,
    max(load_id) as load_id
from unknown
group by game_id, venue, jersey
