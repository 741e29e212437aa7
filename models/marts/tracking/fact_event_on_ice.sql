{{ incremental_by_game_config() }}

-- Who was on the ice for each event: the players of the shift row the event matched by the
-- half-open rule (int_event_shift_matches). Events of games without usable shifts have no rows.
with events as (select * from {{ ref('fact_events') }} where shift_id is not null and {{ games_to_build() }}),

shift_players as (select * from {{ ref('fact_shift_players') }} where {{ games_to_build() }}),

final as (
    select
        e.event_id,
        e.game_id,
        sp.venue,
        sp.team_id,
        sp.player_id,
        sp.jersey,
        sp.slot,
        sp.is_goalie,
        sp.venue = e.venue as is_event_team,
        e.shift_id,
        e.load_id
    from events as e
    inner join shift_players as sp on sp.shift_id = e.shift_id
)

select * from final
