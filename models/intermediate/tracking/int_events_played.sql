-- Grain: event (event_id). Each event of a sequence in its play: a stretch of one team's
-- possession, with window functions only (metrics.md "Sequences and plays"). A new play starts at
-- a sequence's first event, when another team acts, after a turnover or a blocked shot, and when
-- the puck changes zone. Events without a team belong to the play they fall in. Zones are turned
-- into the home team's view (`o` = the home team's offensive zone) so a path reads one way.
with events as (select * from {{ ref('int_events_attributed') }} where {{ games_to_build() }}),

viewed as (
    select
        *,
        case
            when venue = 'away' and zone = 'o' then 'd'
            when venue = 'away' and zone = 'd' then 'o'
            else zone
        end as home_zone,
        count(venue) over w as venue_group,
        count(zone) over w as zone_group
    from events
    window w as (partition by game_id, sequence_no order by event_idx)
),

carried as (
    select
        *,
        first_value(venue) over (partition by game_id, sequence_no, venue_group order by event_idx) as team_venue,
        first_value(home_zone) over (partition by game_id, sequence_no, zone_group order by event_idx) as puck_zone
    from viewed
),

breaks as (
    select
        *,
        case
            when lag(event_id) over w is null then 1
            when venue <> coalesce(lag(team_venue) over w, '') then 1
            when lag(event_type) over w = 'Turnover' then 1
            when lag(detail1) over w in ('Shot_Blocked', 'Shot_BlockedSameTeam') then 1
            when home_zone <> coalesce(lag(puck_zone) over w, '') then 1
            else 0
        end as starts_play,
        coalesce(puck_zone <> lag(puck_zone) over w, puck_zone is not null) as starts_zone
    from carried
    window w as (partition by game_id, sequence_no order by event_idx)
),

final as (
    select
        *,
        sum(starts_play) over (partition by game_id, sequence_no order by event_idx) as play_no
    from breaks
)

select * from final
