{{ incremental_by_game_config() }}

-- Grain: event. Each event with the shift row it matched (int_event_shift_matches), its team and
-- opponent (the side its players give it, int_event_sides_inferred, else the file's; the teams
-- from the schedule) and the strength and situation derived from who was on the ice.
-- What fact_events publishes; a table of its own so the intermediates that read the event log
-- (goals, assists, shots) read it here and never a mart. Incremental by game like fact_events.
with events as (select * from {{ ref('int_events_sequenced') }} where {{ games_to_build() }}),

sides as (
    select distinct event_id, event_venue
    from {{ ref('int_event_sides_inferred') }}
    where {{ games_to_build() }}
),

matched as (select * from {{ ref('int_event_shift_matches') }}),

schedule as (select * from {{ ref('stg_blb__games') }}),

sided as (
    select
        e.*,
        coalesce(
            s.event_venue,
            -- An event naming no player keeps the file's team, unless it only marks the clock: the
            -- team a tracker writes on those is whatever its toggle showed (no format agrees).
            case
                when e.event_type not in ('GameStart', 'GameEnd', 'Intermission', 'Clockstop', 'Stoppage')
                    then e.event_venue
            end
        ) as side
    from events as e
    left join sides as s on s.event_id = e.event_id
),

with_strength as (
    select
        e.*,
        m.shift_id,
        m.home_skaters,
        m.away_skaters,
        m.home_goalie_on,
        m.away_goalie_on,
        {{ side_value('e.side', 'm.home_skaters', 'm.away_skaters') }} as skaters_for,
        {{ side_value('e.side', 'm.home_skaters', 'm.away_skaters', 'against') }} as skaters_against,
        {{ side_value('e.side', 'm.home_goalie_on', 'm.away_goalie_on') }} as own_goalie_on,
        {{ side_value('e.side', 'm.home_goalie_on', 'm.away_goalie_on', 'against') }} as opp_goalie_on,
        {{ side_value('e.side', 's.home_team_id', 's.away_team_id') }} as team_id,
        {{ side_value('e.side', 's.home_team_id', 's.away_team_id', 'against') }} as opp_team_id
    from sided as e
    left join matched as m on m.event_id = e.event_id
    left join schedule as s on s.game_id = e.game_id
),

final as (
    select
        event_id,
        game_id,
        event_idx,
        period,
        elapsed_s,
        end_elapsed_s,
        game_s as game_seconds,
        start_clock,
        event_type,
        detail1,
        detail2,
        side as venue,
        team_id,
        opp_team_id,
        zone,
        is_successful,
        sequence_no,
        shift_id,
        home_skaters,
        away_skaters,
        {{ strength_state('home_skaters', 'away_skaters') }} as strength_state_home,
        {{ strength_state('skaters_for', 'skaters_against') }} as strength_state,
        {{ strength_valid('home_skaters', 'away_skaters') }} as strength_state_valid,
        {{ situation('skaters_for', 'skaters_against', 'own_goalie_on', 'opp_goalie_on') }} as situation,
        own_goalie_on,
        opp_goalie_on,
        linked_event_idx,
        assist_to_goal_idx,
        is_highlight,
        player_count,
        load_id
    from with_strength
)

select * from final
