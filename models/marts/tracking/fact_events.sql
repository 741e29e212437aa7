{{ incremental_by_game_config() }}

with events as (select * from {{ ref('int_events_attributed') }} where {{ games_to_build() }})

select * from events
