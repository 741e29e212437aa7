{{ incremental_by_game_config() }}

-- Grain: game x player (skaters and goalies). A shift for counting purposes is a maximal run of
-- consecutive usable shift rows with the player on (gaps-and-islands); a new period starts a new
-- shift. A table so the rule has a dbt unit test of its own; incremental by game like
-- fact_player_game_stats, which reads it.
with shift_players as (
    select * from {{ ref('int_shift_players_unpivoted') }}
    where is_usable and player_id is not null and {{ games_to_build() }}
),

shifts as (select * from {{ ref('int_shifts_timed') }} where is_usable and {{ games_to_build() }}),

numbered as (
    select
        shift_id,
        row_number() over (partition by game_id order by period, start_elapsed_s, shift_idx) as shift_no
    from shifts
),

runs as (
    select
        sp.game_id,
        sp.player_id,
        sp.load_id,
        coalesce(
            lag(n.shift_no) over w is distinct from n.shift_no - 1
            or lag(sp.period) over w is distinct from sp.period,
            true
        ) as starts_shift
    from shift_players as sp
    inner join numbered as n on n.shift_id = sp.shift_id
    window w as (partition by sp.game_id, sp.player_id order by n.shift_no)
),

final as (
    select
        game_id,
        player_id,
        count(*) filter (where starts_shift) as shifts,
        max(load_id) as load_id
    from runs
    group by game_id, player_id
)

select * from final
