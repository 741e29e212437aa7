{{ incremental_by_game_config() }}

-- Grain: shot attempt. Location and context features: the shooter's point (else the puck's) in
-- the published frame (event team attacking right, net at (89, 0)), distance and angle to the
-- net, rebound and rush flags, and danger points (metrics.md, thresholds in seed
-- metric_thresholds).
-- A table incremental by game: its CTEs are read twice, so inlined into fact_shots and fact_plays
-- it was computed for every game of the league before their game filter applied.
with shots as (select * from {{ ref('int_shots_classified') }} where {{ games_to_build() }}),

events as (select * from {{ ref('int_events_attributed') }} where {{ games_to_build() }}),

event_players as (select * from {{ ref('int_event_players_resolved') }} where {{ games_to_build() }}),

points as (
    select * from {{ ref('stg_tracker__xy_points') }}
    where x_centred is not null and y_centred is not null and {{ games_to_build() }}
),

games as (select game_id, home_attacks_right_p1 from {{ ref('stg_tracker__games') }}),

entry_types as (select * from {{ ref('dim_zone_entry_type') }}),

t as (
    {{ seed_values(ref('metric_thresholds'), {
        'net_x_ft': 'net_x',
        'blue_line_x_ft': 'blue_line_x',
        'slot_x_min_ft': 'slot_x_min',
        'slot_y_max_ft': 'slot_y_max',
        'circles_x_min_ft': 'circles_x_min',
        'circles_y_max_ft': 'circles_y_max',
        'rebound_window_s': 'rebound_window',
        'rush_window_s': 'rush_window',
    }) }}
),

shooter_points as (
    select distinct on (ep.event_id)
        ep.event_id, pt.x_centred as x, pt.y_centred as y
    from event_players as ep
    inner join points as pt
        on pt.game_id = ep.game_id and pt.event_idx = ep.event_idx
        and pt.kind = 'player' and pt.player_order = ep.player_order
    where ep.role = 'event_player_1'
    order by ep.event_id, pt.seq
),

puck_points as (
    select distinct on (game_id, event_idx)
        game_id::bigint * 100000 + event_idx as event_id, x_centred as x, y_centred as y
    from points
    where kind = 'puck'
    order by game_id, event_idx, seq
),

located as (
    select
        s.*,
        coalesce(sp.x, pp.x) as raw_x,
        coalesce(sp.y, pp.y) as raw_y,
        {{ attacks_right('s.venue', 's.period', 'g.home_attacks_right_p1') }} as attacks_right
    from shots as s
    left join games as g on g.game_id = s.game_id
    left join shooter_points as sp on sp.event_id = s.location_event_id
    left join puck_points as pp on pp.event_id = s.location_event_id
),

oriented as (
    select
        l.*,
        {{ oriented('l.raw_x', 'coalesce(l.attacks_right, true)') }} as x,
        {{ oriented('l.raw_y', 'coalesce(l.attacks_right, true)') }} as y
    from located as l
),

-- Joined on (game, team, sequence) first, so each attempt only meets its own sequence.
rebounds as (
    select distinct o.shot_id
    from oriented as o
    inner join shots as earlier
        on earlier.game_id = o.game_id and earlier.venue = o.venue and earlier.sequence_no = o.sequence_no
    cross join t
    where earlier.event_idx < o.event_idx
        and earlier.outcome in ('saved', 'missed', 'blocked')
        and o.elapsed_s - earlier.elapsed_s between 0 and t.rebound_window
),

controlled_entries as (
    select e.game_id, e.venue, e.sequence_no, e.event_idx, e.elapsed_s
    from events as e
    inner join entry_types as et on et.detail2 = e.detail2 and et.is_controlled
    where e.detail1 = 'Zone_Entry'
),

rushes as (
    select distinct o.shot_id
    from oriented as o
    inner join controlled_entries as entry
        on entry.game_id = o.game_id and entry.venue = o.venue and entry.sequence_no = o.sequence_no
    cross join t
    where entry.event_idx < o.event_idx
        and o.elapsed_s - entry.elapsed_s between 0 and t.rush_window
),

with_context as (
    select
        o.*,
        r.shot_id is not null as is_rebound,
        ru.shot_id is not null as is_rush
    from oriented as o
    left join rebounds as r on r.shot_id = o.shot_id
    left join rushes as ru on ru.shot_id = o.shot_id
),

final as (
    select
        w.*,
        round(sqrt(power(t.net_x - w.x, 2) + power(w.y, 2))::numeric, 2) as distance_ft,
        round(degrees(atan2(abs(w.y), t.net_x - w.x))::numeric, 2) as angle_deg,
        case
            when w.x is null then 1
            when w.x < t.blue_line_x then 0
            when w.x >= t.slot_x_min and w.x <= t.net_x and abs(w.y) <= t.slot_y_max then 3
            when w.x >= t.circles_x_min and abs(w.y) <= t.circles_y_max then 2
            else 1
        end
        + case when w.is_rush then 1 else 0 end
        + case when w.is_rebound then 1 else 0 end
        - case when w.outcome = 'blocked' then 1 else 0 end as danger_points,
        case when w.x is null then 'no_xy' else 'xy' end as danger_method
    from with_context as w
    cross join t
)

select * from final
