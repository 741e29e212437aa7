-- Grain: tracked game x venue. Tracked goals (Goal_Scored events) against the official score in
-- the schedule; every complete game must match.
with games as (select * from {{ ref('stg_tracker__games') }}),

schedule as (select * from {{ ref('dim_schedule') }}),

goals as (select * from {{ ref('fact_goals') }}),

tracked as (select game_id, venue, count(*) as goals from goals group by game_id, venue),

venues as (
    select g.game_id, v.venue, g.event_count
    from games as g
    cross join (values ('home'), ('away')) as v (venue)
),

final as (
    select
        v.game_id,
        v.venue,
        {{ side_value('v.venue', 's.home_team_id', 's.away_team_id') }} as team_id,
        case when v.event_count > 0 then coalesce(t.goals, 0)::integer end as goals_tracked,
        {{ side_value('v.venue', 's.home_total_goals', 's.away_total_goals') }} as goals_official,
        case
            when v.event_count = 0 then 'not_tracked'
            when {{ side_value('v.venue', 's.home_total_goals', 's.away_total_goals') }} is null then 'official_unknown'
            when coalesce(t.goals, 0) = {{ side_value('v.venue', 's.home_total_goals', 's.away_total_goals') }} then 'match'
            else 'mismatch'
        end as status
    from venues as v
    left join schedule as s on s.game_id = v.game_id
    left join tracked as t on t.game_id = v.game_id and t.venue = v.venue
)

select
    *,
    goals_tracked - goals_official as goals_difference
from final
