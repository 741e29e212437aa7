{{ incremental_by_game_config() }}

-- Grain: play (play_id): a stretch of one team's possession inside a sequence
-- (int_events_played), with its start and end event, duration, zone path, attempts and how it
-- ended: goal, shot, turnover, possession_change (the other team acted without a recorded
-- turnover), zone_change, or stoppage (the sequence's last play).
with events as (select * from {{ ref('int_events_played') }} where {{ games_to_build() }}),

shots as (select * from {{ ref('int_shots_located') }} where {{ games_to_build() }}),

schedule as (select * from {{ ref('stg_blb__games') }}),

shot_flags as (
    select event_id, count(*) as attempts, count(*) filter (where is_rush) as rush_attempts
    from shots
    group by event_id
),

plays as (
    select
        e.game_id,
        e.sequence_no,
        e.play_no,
        min(e.period) as period,
        (array_agg(e.team_venue order by e.event_idx) filter (where e.team_venue is not null))[1] as venue,
        (array_agg(e.event_id order by e.event_idx))[1] as start_event_id,
        (array_agg(e.event_id order by e.event_idx desc))[1] as end_event_id,
        (array_agg(e.event_type order by e.event_idx desc))[1] as end_event_type,
        min(e.game_seconds) as start_game_seconds,
        max(coalesce(e.end_elapsed_s - e.elapsed_s + e.game_seconds, e.game_seconds)) as end_game_seconds,
        count(*)::integer as events,
        string_agg(e.puck_zone, '>' order by e.event_idx) filter (
            where (e.starts_zone or e.starts_play = 1) and e.puck_zone is not null
        ) as zone_path,
        coalesce(sum(s.attempts), 0)::integer as attempts,
        count(*) filter (where e.event_type = 'Goal' and e.detail1 = 'Goal_Scored')::integer as goals,
        coalesce(sum(s.rush_attempts), 0)::integer as rush_attempts,
        max(e.load_id) as load_id
    from events as e
    left join shot_flags as s on s.event_id = e.event_id
    group by e.game_id, e.sequence_no, e.play_no
),

ordered as (
    select
        *,
        lead(venue) over (partition by game_id, sequence_no order by play_no) as next_venue,
        lead(play_no) over (partition by game_id, sequence_no order by play_no) is null as is_last_play
    from plays
),

final as (
    select
        o.game_id::bigint * 1000000 + o.sequence_no * 1000 + o.play_no as play_id,
        o.game_id,
        o.game_id::bigint * 10000 + o.sequence_no as sequence_id,
        o.sequence_no::integer as sequence_no,
        o.play_no::integer as play_no,
        o.period,
        o.venue,
        {{ side_value('o.venue', 'g.home_team_id', 'g.away_team_id') }} as team_id,
        o.start_event_id,
        o.end_event_id,
        o.start_game_seconds,
        o.end_game_seconds,
        o.end_game_seconds - o.start_game_seconds as duration_s,
        o.events,
        o.zone_path,
        o.attempts,
        o.goals,
        o.rush_attempts,
        o.rush_attempts > 0 as is_rush,
        case
            when o.goals > 0 then 'goal'
            when o.end_event_type = 'Shot' then 'shot'
            when o.end_event_type = 'Turnover' then 'turnover'
            when o.is_last_play then 'stoppage'
            when coalesce(o.next_venue <> o.venue, true) then 'possession_change'
            else 'zone_change'
        end as ending,
        o.load_id
    from ordered as o
    left join schedule as g on g.game_id = o.game_id
)

select * from final
