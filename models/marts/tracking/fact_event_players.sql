{{ incremental_by_game_config() }}

with event_players as (select * from {{ ref('int_event_players_resolved') }} where {{ games_to_build() }})

select * from event_players
