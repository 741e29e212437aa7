{{ incremental_by_game_config() }}

-- Grain: sequence (sequence_id): from a faceoff or a restart to the next stoppage (Stoppage,
-- Goal, Penalty, period or game end, timeout), as int_events_sequenced cuts them; its plays
-- (fact_plays) summed, the puck's zone path in the home team's view, rushes, and how it ended:
-- goal, shot (the last team event was a shot or a save: a frozen or last shot), turnover, or
-- stoppage.
with plays as (select * from {{ ref('fact_plays') }} where {{ games_to_build() }}),

events as (select * from {{ ref('int_events_played') }} where {{ games_to_build() }}),

event_paths as (
    select
        game_id,
        sequence_no,
        string_agg(puck_zone, '>' order by event_idx) filter (
            where starts_zone and puck_zone is not null
        ) as zone_path,
        (array_agg(event_type order by event_idx desc) filter (
            where venue is not null
            and event_type not in ('Stoppage', 'Penalty', 'GameEnd', 'Timeout', 'Intermission', 'Clockstop')
        ))[1] as last_team_event_type
    from events
    group by game_id, sequence_no
),

sequences as (
    select
        sequence_id,
        game_id,
        sequence_no,
        min(period) as period,
        (array_agg(start_event_id order by play_no))[1] as start_event_id,
        (array_agg(end_event_id order by play_no desc))[1] as end_event_id,
        min(start_game_seconds) as start_game_seconds,
        max(end_game_seconds) as end_game_seconds,
        sum(events)::integer as events,
        count(*)::integer as plays,
        sum(attempts) filter (where venue = 'home')::integer as attempts_home,
        sum(attempts) filter (where venue = 'away')::integer as attempts_away,
        sum(goals)::integer as goals,
        sum(rush_attempts)::integer as rush_attempts,
        max(load_id) as load_id
    from plays
    group by sequence_id, game_id, sequence_no
),

final as (
    select
        s.sequence_id,
        s.game_id,
        s.sequence_no,
        s.period,
        s.start_event_id,
        s.end_event_id,
        s.start_game_seconds,
        s.end_game_seconds,
        s.end_game_seconds - s.start_game_seconds as duration_s,
        s.events,
        s.plays,
        p.zone_path,
        coalesce(s.attempts_home, 0) as attempts_home,
        coalesce(s.attempts_away, 0) as attempts_away,
        s.goals,
        s.rush_attempts,
        s.rush_attempts > 0 as has_rush,
        case
            when s.goals > 0 then 'goal'
            when p.last_team_event_type in ('Shot', 'Save') then 'shot'
            when p.last_team_event_type = 'Turnover' then 'turnover'
            else 'stoppage'
        end as ending,
        s.load_id
    from sequences as s
    left join event_paths as p on p.game_id = s.game_id and p.sequence_no = s.sequence_no
)

select * from final
