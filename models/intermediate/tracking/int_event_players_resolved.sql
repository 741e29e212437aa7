-- Grain: event x player named on it. The jersey resolved to a player with the game's own roster
-- (int_game_jerseys_resolved); unknown jerseys keep a null player_id and are counted in QA.
with players as (select * from {{ ref('stg_tracker__event_players') }}),

jerseys as (select * from {{ ref('int_game_jerseys_resolved') }}),

final as (
    select
        p.*,
        coalesce(p.player_id_written, j.player_id) as player_id,
        j.position_code,
        case
            when p.player_id_written is not null then 'file'
            when j.player_id is not null then j.resolved_from
        end as resolved_from,
        count(*) over (
            partition by p.game_id, p.event_id, p.venue, p.jersey
        ) > 1 and p.jersey is not null as is_duplicate_in_event
    from players as p
    left join jerseys as j on j.game_id = p.game_id and j.venue = p.venue and j.jersey = p.jersey
)

select * from final
