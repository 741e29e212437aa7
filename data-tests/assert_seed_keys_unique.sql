-- Every descriptive seed has one row per key and no blank key: seeds carry no contract, so one
-- query checks them all instead of two generic tests per seed.
select 'dim_game_result' as seed, result::text as seed_key, count(*) as copies
from {{ ref('dim_game_result') }}
group by result
having count(*) > 1 or result is null
union all
select 'dim_period' as seed, period::text as seed_key, count(*) as copies
from {{ ref('dim_period') }}
group by period
having count(*) > 1 or period is null
union all
select 'dim_strength' as seed, strength_state::text as seed_key, count(*) as copies
from {{ ref('dim_strength') }}
group by strength_state
having count(*) > 1 or strength_state is null
union all
select 'dim_situation' as seed, situation::text as seed_key, count(*) as copies
from {{ ref('dim_situation') }}
group by situation
having count(*) > 1 or situation is null
union all
select 'dim_venue' as seed, venue::text as seed_key, count(*) as copies
from {{ ref('dim_venue') }}
group by venue
having count(*) > 1 or venue is null
union all
select 'dim_zone' as seed, zone::text as seed_key, count(*) as copies
from {{ ref('dim_zone') }}
group by zone
having count(*) > 1 or zone is null
union all
select 'dim_position' as seed, position::text as seed_key, count(*) as copies
from {{ ref('dim_position') }}
group by position
having count(*) > 1 or position is null
union all
select 'dim_player_role' as seed, role::text as seed_key, count(*) as copies
from {{ ref('dim_player_role') }}
group by role
having count(*) > 1 or role is null
union all
select 'dim_shot_type' as seed, shot_type::text as seed_key, count(*) as copies
from {{ ref('dim_shot_type') }}
group by shot_type
having count(*) > 1 or shot_type is null
union all
select 'dim_takeaway_type' as seed, takeaway_type::text as seed_key, count(*) as copies
from {{ ref('dim_takeaway_type') }}
group by takeaway_type
having count(*) > 1 or takeaway_type is null
union all
select 'dim_stoppage_type' as seed, stoppage_type::text as seed_key, count(*) as copies
from {{ ref('dim_stoppage_type') }}
group by stoppage_type
having count(*) > 1 or stoppage_type is null
union all
select 'dim_shift_start_type' as seed, shift_start_type::text as seed_key, count(*) as copies
from {{ ref('dim_shift_start_type') }}
group by shift_start_type
having count(*) > 1 or shift_start_type is null
union all
select 'dim_shift_stop_type' as seed, shift_stop_type::text as seed_key, count(*) as copies
from {{ ref('dim_shift_stop_type') }}
group by shift_stop_type
having count(*) > 1 or shift_stop_type is null
union all
select 'dim_danger_level' as seed, danger_points::text as seed_key, count(*) as copies
from {{ ref('dim_danger_level') }}
group by danger_points
having count(*) > 1 or danger_points is null
union all
select 'dim_game_state' as seed, game_state::text as seed_key, count(*) as copies
from {{ ref('dim_game_state') }}
group by game_state
having count(*) > 1 or game_state is null
union all
select 'dim_time_bucket' as seed, time_bucket::text as seed_key, count(*) as copies
from {{ ref('dim_time_bucket') }}
group by time_bucket
having count(*) > 1 or time_bucket is null
union all
select 'dim_stat' as seed, stat::text as seed_key, count(*) as copies
from {{ ref('dim_stat') }}
group by stat
having count(*) > 1 or stat is null
