-- Grain: event. Sequences derived with window functions: a new sequence starts at a faceoff or
-- right after an event that stops play (stoppage, goal, penalty, period or game end, timeout).
-- Two events with the same sequence_no have no stoppage between them.
with events as (select * from {{ ref('int_events_timed') }}),

flagged as (
    select
        *,
        event_type in ('Stoppage', 'Goal', 'Penalty', 'GameEnd', 'Timeout', 'Intermission', 'Clockstop')
            as ends_sequence
    from events
),

breaks as (
    select
        *,
        case
            when event_type = 'Faceoff' then 1
            when lag(ends_sequence) over w then 1
            when (lag(period) over w is distinct from period) then 1
            else 0
        end as starts_sequence
    from flagged
    window w as (partition by game_id order by event_idx)
),

final as (
    select
        *,
        sum(starts_sequence) over (partition by game_id order by event_idx) as sequence_no
    from breaks
)

select * from final
