-- Grain: game x player (skaters and goalies). A shift for counting purposes is a maximal run of
-- consecutive usable shift rows with the player on (gaps-and-islands); a new period starts a new
-- shift. A table so the rule has a dbt unit test of its own.
{{ config(materialized='table') }}

with shift_players as (select * from {{ ref('fact_shift_players') }} where is_usable and player_id is not null),

shifts as (select * from {{ ref('fact_shifts') }} where is_usable),

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
        coalesce(
            lag(n.shift_no) over w is distinct from n.shift_no - 1
            or lag(sp.period) over w is distinct from sp.period,
            true
        ) as starts_shift
    from shift_players as sp
    inner join numbered as n on n.shift_id = sp.shift_id
    window w as (partition by sp.game_id, sp.player_id order by n.shift_no)
)

select
    game_id,
    player_id,
    count(*) filter (where starts_shift) as shifts
from runs
group by game_id, player_id
