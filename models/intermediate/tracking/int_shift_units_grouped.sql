{{ incremental_by_game_config() }}

-- Grain: usable shift row x side x unit type (shift_id, venue, unit_type). The unit a side had out:
-- its forward trio (F1-F3 filled with three known players), defence pair (D1, D2 with two known
-- players) and five-man unit (exactly five known skaters, X included); a side whose slots do not
-- make the unit has no row for that type. Each row carries the side's on-ice counts.
-- A table incremental by game: fact_matchups joins it to itself, and inlined as a CTE the planner
-- guessed its size (a nested loop over every unit pair: minutes on a 40-game league).
with skaters as (select * from {{ ref('int_shift_skaters_counted') }} where {{ games_to_build() }}),

units as (
    select game_id, shift_id, venue, 'forwards' as unit_type, array_agg(player_id order by player_id) as player_ids
    from skaters where slot in ('F1', 'F2', 'F3')
    group by game_id, shift_id, venue
    having count(distinct player_id) = 3
    union all
    select game_id, shift_id, venue, 'defence', array_agg(player_id order by player_id)
    from skaters where slot in ('D1', 'D2')
    group by game_id, shift_id, venue
    having count(distinct player_id) = 2
    union all
    select game_id, shift_id, venue, 'five', array_agg(player_id order by player_id)
    from skaters
    group by game_id, shift_id, venue
    having count(distinct player_id) = 5 and count(*) = 5
),

sides as (select * from {{ ref('int_shift_sides_counted') }} where {{ games_to_build() }}),

final as (
    select
        sd.shift_id,
        sd.game_id,
        sd.period,
        sd.venue,
        sd.team_id,
        u.unit_type,
        u.player_ids,
        array_to_string(u.player_ids, '-') as unit_key,
        sd.situation_group,
        sd.duration_s,
        {{ on_ice_count_columns('sd') }},
        sd.load_id
    from units as u
    inner join sides as sd on sd.game_id = u.game_id and sd.shift_id = u.shift_id and sd.venue = u.venue
)

select * from final
