{{ incremental_by_game_config() }}

with goals as (select * from {{ ref('int_goals_linked') }} where {{ games_to_build() }}),

assists as (select * from {{ ref('int_assists_linked') }} where is_counted and {{ games_to_build() }}),

-- Only the goals' on-ice rows: aggregating every event's skaters first cost seconds a season.
on_ice as (
    select * from {{ ref('fact_event_on_ice') }}
    where not is_goalie and {{ games_to_build() }} and event_id in (select goals.event_id from goals)
),

finals as (
    select
        game_id,
        count(*) filter (where venue = 'home') as home_goals,
        count(*) filter (where venue = 'away') as away_goals
    from goals
    group by game_id
),

on_ice_sets as (
    select
        event_id,
        array_agg(coalesce(player_id, '#' || jersey) order by jersey) filter (where is_event_team) as on_ice_for,
        array_agg(coalesce(player_id, '#' || jersey) order by jersey) filter (where not is_event_team) as on_ice_against
    from on_ice
    group by event_id
),

final as (
    select
        g.goal_id,
        g.event_id,
        g.game_id,
        g.period,
        g.elapsed_s,
        g.game_seconds,
        g.team_id,
        g.opp_team_id,
        g.venue,
        g.scorer_player_id,
        g.scorer_jersey,
        a1.player_id as a1_player_id,
        a2.player_id as a2_player_id,
        g.shot_event_id,
        g.strength_state,
        g.situation,
        coalesce(g.situation = 'pp', false) as is_pp,
        coalesce(g.situation = 'sh', false) as is_sh,
        coalesce(g.situation = 'ev', false) as is_ev,
        coalesce(not g.opp_goalie_on, false) as is_en,
        g.team_goal_number::integer as team_goal_number,
        g.game_goal_number = 1 as is_first_goal,
        case
            when f.home_goals > f.away_goals and g.venue = 'home' then g.team_goal_number = f.away_goals + 1
            when f.away_goals > f.home_goals and g.venue = 'away' then g.team_goal_number = f.home_goals + 1
            else false
        end as is_gwg,
        s.on_ice_for,
        s.on_ice_against,
        g.load_id
    from goals as g
    inner join finals as f on f.game_id = g.game_id
    left join assists as a1 on a1.goal_id = g.goal_id and a1.assist_kind = 'A1'
    left join assists as a2 on a2.goal_id = g.goal_id and a2.assist_kind = 'A2'
    left join on_ice_sets as s on s.event_id = g.event_id
)

select * from final
