{{ incremental_by_game_config() }}

-- Grain: event whose derived skater counts are outside 3..6 for a side (strength_state_valid =
-- false). Such events keep their rows in every fact; this table says where to look.
with events as (select * from {{ ref('fact_events') }} where {{ games_to_build() }})

select
    event_id,
    game_id,
    period,
    elapsed_s,
    event_type,
    shift_id,
    home_skaters,
    away_skaters,
    strength_state_home,
    case
        when home_skaters > 6 or away_skaters > 6 then 'too_many_skaters'
        else 'too_few_skaters'
    end as anomaly,
    load_id
from events
where shift_id is not null and not strength_state_valid
