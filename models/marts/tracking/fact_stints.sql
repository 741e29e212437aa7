{{ incremental_by_game_config() }}

-- Consecutive usable shift rows with the same on-ice sets and no gap between them are one stint.
with shifts as (select * from {{ ref('int_shifts_timed') }} where is_usable and {{ games_to_build() }}),

shift_players as (
    select * from {{ ref('int_shift_players_unpivoted') }}
    where is_usable and {{ games_to_build() }}
),

sets as (
    select
        shift_id,
        array_agg(jersey order by jersey) filter (where venue = 'home') as home_jerseys,
        array_agg(jersey order by jersey) filter (where venue = 'away') as away_jerseys
    from shift_players
    group by shift_id
),

ordered as (
    select
        s.game_id,
        s.shift_id,
        s.shift_idx,
        s.period,
        s.period_offset_s,
        s.start_elapsed_s,
        s.end_elapsed_s,
        s.home_skaters,
        s.away_skaters,
        s.home_goalie_on,
        s.away_goalie_on,
        st.home_jerseys,
        st.away_jerseys,
        s.load_id,
        case
            when (
                lag(s.end_elapsed_s) over w = s.start_elapsed_s
                and lag(s.period) over w = s.period
                and lag(st.home_jerseys) over w is not distinct from st.home_jerseys
                and lag(st.away_jerseys) over w is not distinct from st.away_jerseys
            )
                then 0
            else 1
        end as starts_stint
    from shifts as s
    left join sets as st on st.shift_id = s.shift_id
    window w as (partition by s.game_id order by s.period, s.start_elapsed_s, s.shift_idx)
),

numbered as (
    select
        *,
        sum(starts_stint) over (
            partition by game_id order by period, start_elapsed_s, shift_idx
        ) as stint_no
    from ordered
),

final as (
    select
        game_id::bigint * 10000 + stint_no as stint_id,
        game_id,
        stint_no::integer as stint_no,
        min(period) as period,
        min(start_elapsed_s) as start_elapsed_s,
        max(end_elapsed_s) as end_elapsed_s,
        min(period_offset_s + start_elapsed_s) as start_game_seconds,
        max(period_offset_s + end_elapsed_s) as end_game_seconds,
        max(end_elapsed_s) - min(start_elapsed_s) as duration_s,
        min(home_skaters) as home_skaters,
        min(away_skaters) as away_skaters,
        bool_and(home_goalie_on) as home_goalie_on,
        bool_and(away_goalie_on) as away_goalie_on,
        {{ strength_state('min(home_skaters)', 'min(away_skaters)') }} as strength_state_home,
        {{ strength_valid('min(home_skaters)', 'min(away_skaters)') }} as strength_state_valid,
        min(home_jerseys) as home_jerseys,
        min(away_jerseys) as away_jerseys,
        count(*)::integer as shift_rows,
        max(load_id) as load_id
    from numbered
    group by game_id, stint_no
)

select * from final
