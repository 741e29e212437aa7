{{ incremental_by_game_config() }}

-- Grain: one finding (check, game, subject): a published number outside its seed threshold
-- (metric_thresholds), with the value and the threshold it broke. Zero rows is the good case.
with thresholds as (
    {{ seed_values(ref('metric_thresholds'), [
        'max_toi_share_of_game', 'max_shift_row_seconds', 'max_player_goals_per_game',
        'max_sog_per_attempt', 'max_slots_per_player_per_shift',
    ]) }}
),

game_length as (
    select game_id, sum(length_s) as game_seconds
    from {{ ref('int_game_periods_timed') }}
    where {{ games_to_build() }}
    group by game_id
),

players as (select * from {{ ref('fact_player_game_stats') }} where {{ games_to_build() }}),

goalies as (select * from {{ ref('fact_goalie_game_stats') }} where {{ games_to_build() }}),

teams as (select * from {{ ref('fact_team_game_stats') }} where {{ games_to_build() }}),

shift_players as (
    select * from {{ ref('fact_shift_players') }} where player_id is not null and is_usable and {{ games_to_build() }}
),

shifts as (select * from {{ ref('fact_shifts') }} where is_usable and {{ games_to_build() }}),

findings as (
    select 'toi_over_game_length' as check_name, p.game_id, p.player_id as subject, p.toi_seconds as value,
        l.game_seconds * t.max_toi_share_of_game as threshold
    from players as p
    inner join game_length as l on l.game_id = p.game_id
    cross join thresholds as t
    where p.toi_seconds > l.game_seconds * t.max_toi_share_of_game
    union all
    select 'toi_over_game_length', g.game_id, g.player_id, g.toi_seconds, l.game_seconds * t.max_toi_share_of_game
    from goalies as g
    inner join game_length as l on l.game_id = g.game_id
    cross join thresholds as t
    where g.toi_seconds > l.game_seconds * t.max_toi_share_of_game
    union all
    select
        'on_ice_in_two_places', sp.game_id, sp.player_id || ' shift ' || sp.shift_idx::text, count(*),
        max(t.max_slots_per_player_per_shift)
    from shift_players as sp
    cross join thresholds as t
    group by sp.game_id, sp.player_id, sp.shift_idx
    having count(*) > max(t.max_slots_per_player_per_shift)
    union all
    select 'sog_over_attempts', p.game_id, p.player_id, p.sog, p.attempts * t.max_sog_per_attempt
    from players as p
    cross join thresholds as t
    where p.sog > p.attempts * t.max_sog_per_attempt
    union all
    select 'sog_over_attempts', tm.game_id, tm.team_id, tm.sog_for, tm.attempts_for * t.max_sog_per_attempt
    from teams as tm
    cross join thresholds as t
    where tm.sog_for > tm.attempts_for * t.max_sog_per_attempt
    union all
    select 'goals_per_game', p.game_id, p.player_id, p.goals, t.max_player_goals_per_game
    from players as p
    cross join thresholds as t
    where p.goals > t.max_player_goals_per_game
    union all
    select 'long_shift_row', s.game_id, 'shift ' || s.shift_idx::text, s.duration_s, t.max_shift_row_seconds
    from shifts as s
    cross join thresholds as t
    where s.duration_s > t.max_shift_row_seconds
),

-- The game's load: an incremental build (macro games_to_build) rebuilds the games whose load it
-- has not seen.
games as (select game_id, load_id from {{ ref('stg_tracker__games') }} where {{ games_to_build() }}),

final as (
    select
        f.check_name || ':' || f.game_id::text || ':' || coalesce(f.subject, '') as finding_id,
        f.check_name,
        f.game_id,
        f.subject,
        f.value::numeric as value,
        f.threshold::numeric as threshold,
        g.load_id
    from findings as f
    inner join games as g on g.game_id = f.game_id
)

select * from final
