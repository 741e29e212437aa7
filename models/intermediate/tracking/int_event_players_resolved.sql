{{ incremental_by_game_config() }}

-- Grain: event x player named on it. The player's side as int_event_sides_inferred decides it
-- (the same for every tracker format), his jersey resolved to a player with that side's game
-- roster (int_game_jerseys_resolved); unknown jerseys keep a null player_id and are counted in QA.
-- The team is the event's team or its opponent, by side (int_events_attributed); players of events
-- that are not in the event log are left out. What fact_event_players publishes; a table of its
-- own so the intermediates that read event players never read a mart.
with written_players as (
    select * from {{ ref('stg_tracker__event_players') }} where {{ games_to_build() }}
),

sides as (
    select event_id, player_order, venue
    from {{ ref('int_event_sides_inferred') }}
    where {{ games_to_build() }}
),

players as (
    select
        p.*,
        coalesce(s.venue, p.venue) as side
    from written_players as p
    left join sides as s on s.event_id = p.event_id and s.player_order = p.player_order
),

jerseys as (select * from {{ ref('int_game_jerseys_resolved') }}),

events as (
    select event_id, event_type, detail1, venue as event_venue, team_id, opp_team_id, load_id
    from {{ ref('int_events_attributed') }}
    where {{ games_to_build() }}
),

resolved as (
    select
        p.*,
        coalesce(p.player_id_written, j.player_id) as player_id,
        case
            when p.player_id_written is not null then 'file'
            when j.player_id is not null then j.resolved_from
        end as resolved_from,
        count(*) over (
            partition by p.game_id, p.event_id, p.side, p.jersey
        ) > 1 and p.jersey is not null as is_duplicate_in_event
    from players as p
    left join jerseys as j on j.game_id = p.game_id and j.venue = p.side and j.jersey = p.jersey
),

final as (
    select
        p.event_id,
        p.game_id,
        p.event_idx,
        p.player_order,
        p.role,
        p.role_group,
        p.role_number,
        p.side as venue,
        case when p.side = e.event_venue then e.team_id else e.opp_team_id end as team_id,
        p.jersey,
        p.player_name,
        p.player_id,
        p.resolved_from,
        p.is_duplicate_in_event,
        p.play_d1,
        p.play_d2,
        p.play_success,
        p.side_of_puck,
        e.event_type,
        e.detail1,
        e.load_id
    from resolved as p
    inner join events as e on e.event_id = p.event_id
)

select * from final
