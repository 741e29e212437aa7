{{ incremental_by_game_config() }}

-- Grain: shift row. Clock converted to elapsed seconds; skaters and goalie per side counted from
-- the slots (the tracker's own `strength` is never read). A shift is usable for on-ice numbers
-- when both clocks parse, it lasts more than zero seconds and it has players.
-- A table incremental by game: six models read it.
with shifts as (select * from {{ ref('stg_tracker__shifts') }} where {{ games_to_build() }}),

slots as (select * from {{ ref('stg_tracker__shift_slots') }} where {{ games_to_build() }}),

periods as (select * from {{ ref('int_game_periods_timed') }} where {{ games_to_build() }}),

counts as (
    select
        shift_id,
        count(*) filter (where venue = 'home' and not is_goalie_slot and jersey is not null) as home_skaters,
        count(*) filter (where venue = 'away' and not is_goalie_slot and jersey is not null) as away_skaters,
        bool_or(venue = 'home' and is_goalie_slot and jersey is not null) as home_goalie_on,
        bool_or(venue = 'away' and is_goalie_slot and jersey is not null) as away_goalie_on,
        count(*) filter (where jersey is not null) as players_on
    from slots
    group by shift_id
),

timed as (
    select
        s.*,
        p.length_s as period_length_s,
        p.offset_s as period_offset_s,
        {{ elapsed_seconds('p.length_s', 's.start_remaining_s') }} as start_elapsed_s,
        {{ elapsed_seconds('p.length_s', 's.end_remaining_s') }} as end_elapsed_s,
        coalesce(c.home_skaters, 0) as home_skaters,
        coalesce(c.away_skaters, 0) as away_skaters,
        coalesce(c.home_goalie_on, false) as home_goalie_on,
        coalesce(c.away_goalie_on, false) as away_goalie_on,
        coalesce(c.players_on, 0) as players_on
    from shifts as s
    left join periods as p on p.game_id = s.game_id and p.period = s.period
    left join counts as c on c.shift_id = s.shift_id
),

final as (
    select
        *,
        end_elapsed_s - start_elapsed_s as duration_s,
        start_elapsed_s is not null and end_elapsed_s is not null
            and end_elapsed_s > start_elapsed_s and players_on > 0 as is_usable,
        start_elapsed_s is not null and end_elapsed_s is not null
            and end_elapsed_s = start_elapsed_s and players_on > 0 as is_zero_length
    from timed
)

select * from final
