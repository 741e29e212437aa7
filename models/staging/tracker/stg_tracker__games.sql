with games as (select * from {{ source('tracker', 'tracker_games') }})

select
    game_id,
    load_id,
    source,
    file_name,
    file_sha256,
    source_format,
    version as tracker_version,
    home_team as home_team_name,
    away_team as away_team_name,
    home_color,
    away_color,
    -- periodLengths are minutes keyed "1", "2", "3", "OT"; xlsx exports give one length for all.
    coalesce((period_lengths ->> '1')::numeric, period_length_minutes) * 60 as p1_length_s,
    coalesce((period_lengths ->> '2')::numeric, period_length_minutes) * 60 as p2_length_s,
    coalesce((period_lengths ->> '3')::numeric, period_length_minutes) * 60 as p3_length_s,
    (period_lengths ->> 'OT')::numeric * 60 as ot_length_s,
    (penalty_lengths ->> 'minor')::numeric as minor_penalty_minutes,
    (penalty_lengths ->> 'major')::numeric as major_penalty_minutes,
    (penalty_lengths ->> 'misconduct')::numeric as misconduct_penalty_minutes,
    home_attacks_right_p1,
    exported_at,
    xy_frame,
    event_count,
    shift_count,
    event_player_count,
    flags,
    loaded_at
from games
