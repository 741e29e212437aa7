{{ incremental_by_game_config() }}

-- Grain: event x player named on it. Which side each event and each of its players belongs to,
-- decided once here, for every tracker format, from what all of them carry: jerseys, names and
-- roles, read against the game's own rosters (int_game_jerseys_resolved). The reduced Excel export
-- writes no team at all, and the JSON's written team is a toggle the tracker sometimes leaves on
-- the wrong side, so the file's team is the last resort. An event_player votes for his own side,
-- an opp_player for the other one; the event's side is the majority at the first step that
-- decides:
--   1. roster: the jersey is worn under this name on exactly one side's game roster;
--   2. learned: a jersey and name off the rosters (a sub) take the side they have in the events
--      that step 1 decided;
--   3. jersey: the jersey is on exactly one side's game roster, whatever the name;
--   4. file: the team the file wrote.
-- A player is of his side by roster (step 1), else of the side his role gives him in the event,
-- else of the side the file wrote.
with players as (
    select
        event_id,
        game_id,
        player_order,
        jersey,
        role_group,
        venue as written_venue,
        lower(btrim(player_name)) as name_key
    from {{ ref('stg_tracker__event_players') }}
    where {{ games_to_build() }}
),

events as (
    select event_id, event_venue as written_venue, load_id
    from {{ ref('stg_tracker__events') }}
    where {{ games_to_build() }}
),

-- Computed once: int_game_jerseys_resolved is ephemeral (window functions over the staging
-- views), and as the inner side of a nested loop it was re-evaluated per event player, which
-- turned a seconds-long build into minutes whenever the planner chose that plan.
rosters as materialized (
    select game_id, venue, jersey, lower(btrim(player_name)) as name_key
    from {{ ref('int_game_jerseys_resolved') }}
    where {{ games_to_build() }}
),

-- A jersey's side on a game's rosters, and the side of a jersey worn under a name: a side when
-- exactly one side lists it. Aggregated over the rosters (thousands of rows) and joined to the
-- event players, rather than joining the rosters to 1.6 M event players and grouping those back
-- (the sort of that group-by was a third of the model's time at 600 games).
jersey_sides as (
    select game_id, jersey, case when count(distinct venue) = 1 then min(venue) end as jersey_side
    from rosters
    group by game_id, jersey
),

named_sides as (
    select game_id, jersey, name_key, case when count(distinct venue) = 1 then min(venue) end as named_side
    from rosters
    group by game_id, jersey, name_key
),

evidence as materialized (
    select
        p.event_id,
        p.game_id,
        p.player_order,
        p.jersey,
        p.role_group,
        p.written_venue,
        p.name_key,
        n.named_side,
        j.jersey_side
    from players as p
    left join jersey_sides as j on j.game_id = p.game_id and j.jersey = p.jersey
    left join named_sides as n on n.game_id = p.game_id and n.jersey = p.jersey and n.name_key = p.name_key
),

by_roster as (
    select event_id, {{ majority_side(event_side_by_role('role_group', 'named_side')) }} as side
    from evidence
    group by event_id
),

learned as (
    select
        e.game_id,
        e.jersey,
        e.name_key,
        {{ majority_side(player_side_by_role('e.role_group', 'r.side')) }} as learned_side
    from evidence as e
    inner join by_roster as r on r.event_id = e.event_id
    where r.side is not null and e.jersey is not null and e.name_key is not null
    group by e.game_id, e.jersey, e.name_key
),

by_learned_and_jersey as (
    select
        e.event_id,
        {{ majority_side(event_side_by_role('e.role_group', 'coalesce(e.named_side, l.learned_side)')) }}
            as learned_side,
        {{ majority_side(event_side_by_role('e.role_group', 'e.jersey_side')) }} as jersey_side
    from evidence as e
    left join learned as l on l.game_id = e.game_id and l.jersey = e.jersey and l.name_key = e.name_key
    group by e.event_id
),

event_sides as (
    select
        e.event_id,
        e.load_id,
        coalesce(r.side, l.learned_side, l.jersey_side, e.written_venue) as event_venue,
        case
            when r.side is not null then 'roster'
            when l.learned_side is not null then 'learned'
            when l.jersey_side is not null then 'jersey'
            when e.written_venue is not null then 'file'
        end as event_venue_source
    from events as e
    inner join by_roster as r on r.event_id = e.event_id
    inner join by_learned_and_jersey as l on l.event_id = e.event_id
),

final as (
    select
        p.event_id,
        p.game_id,
        p.player_order,
        coalesce(p.named_side, {{ player_side_by_role('p.role_group', 's.event_venue') }}, p.written_venue) as venue,
        s.event_venue,
        s.event_venue_source,
        s.load_id
    from evidence as p
    inner join event_sides as s on s.event_id = p.event_id
)

select * from final
