-- A table incremental by game (not ephemeral) so its rule has a dbt unit test of its own.
{{ incremental_by_game_config() }}

-- Grain: assist flag (an event_player_1 whose playD1 is AssistPrimary / AssistSecondary /
-- AssistTertiary). Tied to a goal by assistToGoalIdx where present, else to the same team's next
-- goal in the same sequence (no stoppage between). Per goal at most one A1 and one A2 count
-- (`is_counted`): the flag tied by index first, then the latest; the rest are QA anomalies, as
-- is a flag on the goal's own scorer (nobody assists his own goal).
with event_players as (select * from {{ ref('int_event_players_resolved') }} where {{ games_to_build() }}),

events as (select * from {{ ref('int_events_attributed') }} where {{ games_to_build() }}),

goals as (select * from {{ ref('int_goals_linked') }} where {{ games_to_build() }}),

flags as (
    select
        p.event_id,
        p.game_id,
        p.event_idx,
        p.venue,
        p.player_id,
        p.jersey,
        p.play_d1,
        case p.play_d1
            when 'AssistPrimary' then 'A1'
            when 'AssistSecondary' then 'A2'
            when 'AssistTertiary' then 'A3'
        end as assist_kind,
        e.event_type,
        e.sequence_no,
        e.assist_to_goal_idx,
        e.load_id
    from event_players as p
    inner join events as e on e.event_id = p.event_id
    where p.role = 'event_player_1'
        and p.play_d1 in ('AssistPrimary', 'AssistSecondary', 'AssistTertiary')
),

by_index as (
    select f.event_id, g.goal_id
    from flags as f
    inner join goals as g
        on g.game_id = f.game_id and g.event_idx = f.assist_to_goal_idx and g.venue = f.venue
),

by_sequence as (
    select distinct on (f.event_id) f.event_id, g.goal_id
    from flags as f
    inner join goals as g
        on g.game_id = f.game_id and g.venue = f.venue and g.sequence_no = f.sequence_no
    where g.event_idx > f.event_idx
    order by f.event_id, g.event_idx
),

linked as (
    select
        f.*,
        coalesce(i.goal_id, sq.goal_id) as goal_id,
        i.goal_id is not null as linked_by_index
    from flags as f
    left join by_index as i on i.event_id = f.event_id
    left join by_sequence as sq on sq.event_id = f.event_id
),

checked as (
    select
        l.*,
        l.goal_id is not null and (
            l.player_id = g.scorer_player_id or (l.jersey = g.scorer_jersey and l.venue = g.venue)
        ) as is_scorer
    from linked as l
    left join goals as g on g.goal_id = l.goal_id
),

final as (
    select
        c.*,
        c.goal_id is not null
            and not c.is_scorer
            and c.assist_kind in ('A1', 'A2')
            and row_number() over (
                partition by c.goal_id, c.assist_kind, c.is_scorer
                order by c.linked_by_index desc, c.event_idx desc
            ) = 1 as is_counted
    from checked as c
)

select * from final
