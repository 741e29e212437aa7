-- Invariant family "time on ice": per game and side, the skaters' time in 5v5 shift rows is five
-- times the 5v5 time (within a second), and known skaters' TOI never exceeds the side's total.
-- A build of some games tests those games (macro tested_games).
with shifts as (select * from {{ ref('fact_shifts') }} where is_usable and {{ tested_games() }}),

skater_rows as (
    select sp.game_id, sp.venue, sp.toi_seconds, s.strength_state_home
    from {{ ref('fact_shift_players') }} as sp
    inner join shifts as s on s.shift_id = sp.shift_id
    where not sp.is_goalie and {{ tested_games('sp.game_id') }}
),

five_on_five as (
    select game_id, sum(duration_s) as seconds
    from shifts
    where strength_state_home = '5v5'
    group by game_id
),

skater_5v5 as (
    select game_id, venue, sum(toi_seconds) as seconds
    from skater_rows
    where strength_state_home = '5v5'
    group by game_id, venue
),

side_totals as (
    select game_id, venue, sum(toi_seconds) as seconds from skater_rows group by game_id, venue
),

player_totals as (
    select game_id, venue, sum(toi_seconds) as seconds
    from {{ ref('fact_player_game_stats') }}
    where {{ tested_games() }}
    group by game_id, venue
)

select s.game_id, s.venue, 'skater 5v5 time <> 5 x 5v5 time' as problem
from skater_5v5 as s
inner join five_on_five as f on f.game_id = s.game_id
where abs(s.seconds - 5 * f.seconds) > 1
union all
select p.game_id, p.venue, 'player TOI exceeds the side total'
from player_totals as p
inner join side_totals as t on t.game_id = p.game_id and t.venue = p.venue
where p.seconds > t.seconds + 1
