{{ incremental_by_game_config() }}

-- Grain: event. The countdown clock converted once: elapsed = period length - remaining;
-- game seconds = lengths of earlier periods + elapsed. Unusable clocks stay null.
-- A table incremental by game: the event log's clock is read by sequences, shift matches and
-- coverage, which each recomputed it over the whole log when it was inlined.
with events as (select * from {{ ref('stg_tracker__events') }} where {{ games_to_build() }}),

periods as (select * from {{ ref('int_game_periods_timed') }} where {{ games_to_build() }}),

final as (
    select
        e.*,
        p.length_s as period_length_s,
        {{ elapsed_seconds('p.length_s', 'e.start_remaining_s') }} as elapsed_s,
        {{ elapsed_seconds('p.length_s', 'e.end_remaining_s') }} as end_elapsed_s,
        p.offset_s + {{ elapsed_seconds('p.length_s', 'e.start_remaining_s') }} as game_s
    from events as e
    left join periods as p on p.game_id = e.game_id and p.period = e.period
)

select * from final
