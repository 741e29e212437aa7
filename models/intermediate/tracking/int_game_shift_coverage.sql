{{ incremental_by_game_config() }}

-- Grain: tracked game. How much of the tracked time (per period, from its first to its last
-- timed event) the usable shifts cover. On-ice numbers are published only for games whose
-- coverage reaches the `usable_shift_coverage` threshold; others get null, never zero.
-- Incremental by game, like the facts that read it: inlined into each of them it was computed
-- for every game of the season on every one-game build (seconds at season scale).
with events as (select * from {{ ref('int_events_timed') }} where {{ games_to_build() }}),

shifts as (select * from {{ ref('int_shifts_timed') }} where {{ games_to_build() }}),

games as (
    select game_id, event_count, load_id from {{ ref('stg_tracker__games') }}
    where {{ games_to_build() }}
),

thresholds as (select * from {{ ref('metric_thresholds') }}),

tracked_spans as (
    select game_id, period, min(elapsed_s) as span_start_s, max(elapsed_s) as span_end_s
    from events
    where elapsed_s is not null
    group by game_id, period
),

covered as (
    select
        t.game_id,
        t.period,
        sum(
            greatest(0, least(s.end_elapsed_s, t.span_end_s) - greatest(s.start_elapsed_s, t.span_start_s))
        ) as covered_s,
        coalesce(sum(
            greatest(0, least(s.end_elapsed_s, t.span_end_s) - greatest(s.start_elapsed_s, t.span_start_s))
        ) filter (where s.home_skaters >= 3 and s.away_skaters >= 3), 0) as full_sets_s
    from tracked_spans as t
    inner join shifts as s on s.game_id = t.game_id and s.period = t.period and s.is_usable
    group by t.game_id, t.period
),

per_game as (
    select
        t.game_id,
        sum(t.span_end_s - t.span_start_s) as tracked_s,
        coalesce(sum(c.covered_s), 0) as covered_s,
        coalesce(sum(c.full_sets_s), 0) as full_sets_s,
        count(*) as periods_tracked
    from tracked_spans as t
    left join covered as c on c.game_id = t.game_id and c.period = t.period
    group by t.game_id
),

final as (
    select
        g.game_id,
        g.event_count > 0 as has_events,
        coalesce(p.periods_tracked, 0) as periods_tracked,
        coalesce(p.tracked_s, 0) as tracked_s,
        coalesce(p.covered_s, 0) as shift_covered_s,
        round(p.covered_s / nullif(p.tracked_s, 0), 4) as shift_coverage,
        round(p.full_sets_s / nullif(p.tracked_s, 0), 4) as full_on_ice_share,
        coalesce(p.covered_s / nullif(p.tracked_s, 0) >= (
            select value from thresholds where name = 'usable_shift_coverage'
        ), false) as has_usable_shifts,
        g.load_id
    from games as g
    left join per_game as p on p.game_id = g.game_id
)

select * from final
