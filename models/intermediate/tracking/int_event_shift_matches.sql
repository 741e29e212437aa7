{{ incremental_by_game_config() }}

-- Grain: event. The shift row (on-ice set) an event happened in, by the half-open rule on
-- elapsed time: a faceoff belongs to the shift with start <= t < end (the players who took the
-- draw); every other event to start < t <= end (the players who were out there when it
-- happened). Games without usable shifts match nothing.
-- Incremental by game like fact_events, which reads it: a game build matches that game's
-- events. (It was the table int_events_matched_to_shifts, which game builds left alone: a new
-- game's events matched no shift. The old table is no longer read.)
with events as (select * from {{ ref('int_events_timed') }} where {{ games_to_build() }}),

shifts as (select * from {{ ref('int_shifts_timed') }} where is_usable and {{ games_to_build() }}),

coverage as (select * from {{ ref('int_game_shift_coverage') }} where {{ games_to_build() }}),

matched as (
    select distinct on (e.event_id)
        e.event_id,
        e.game_id,
        c.load_id,
        s.shift_id,
        s.home_skaters,
        s.away_skaters,
        s.home_goalie_on,
        s.away_goalie_on
    from events as e
    inner join coverage as c on c.game_id = e.game_id and c.has_usable_shifts
    inner join shifts as s
        on s.game_id = e.game_id
        and s.period = e.period
        and (
            (e.event_type = 'Faceoff' and s.start_elapsed_s <= e.elapsed_s and e.elapsed_s < s.end_elapsed_s)
            or (e.event_type <> 'Faceoff' and s.start_elapsed_s < e.elapsed_s and e.elapsed_s <= s.end_elapsed_s)
        )
    order by e.event_id, s.start_elapsed_s desc, s.shift_idx desc
)

select * from matched
