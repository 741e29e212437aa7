-- Grain: assist flag that does not count: a second A1 or A2 on the same goal, a flag that no goal
-- of the same team follows in its sequence, a flag on the goal's own scorer, or a tertiary
-- assist (kept, never counted).
with flags as (select * from {{ ref('int_assists_linked') }})

select
    event_id as flag_event_id,
    game_id,
    event_idx as flag_event_idx,
    goal_id,
    venue,
    player_id,
    jersey,
    assist_kind,
    case
        when assist_kind = 'A3' then 'tertiary_not_counted'
        when goal_id is null then 'no_goal_follows'
        when is_scorer then 'scorer_flagged'
        when assist_kind = 'A1' then 'extra_primary'
        else 'extra_secondary'
    end as anomaly
from flags
where not is_counted
