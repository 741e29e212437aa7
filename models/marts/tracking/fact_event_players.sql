{{ incremental_by_game_config() }}

with players as (select * from {{ ref('int_event_players_resolved') }} where {{ games_to_build() }}),

events as (
    select event_id, event_type, detail1, venue as event_venue, team_id, opp_team_id, load_id
    from {{ ref('fact_events') }}
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
        p.venue,
        case when p.venue = e.event_venue then e.team_id else e.opp_team_id end as team_id,
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
    from players as p
    inner join events as e on e.event_id = p.event_id
)

select * from final
