{{ incremental_by_game_config() }}

-- Grain: goalie x tracked game. A goalie is credited with the shots that happened while he was
-- on the ice (shifts); without usable shifts, with the shots on which the tracker named him.
with games as (select * from {{ ref('int_game_shift_coverage') }} where {{ games_to_build() }}),

loads as (select game_id, load_id from {{ ref('stg_tracker__games') }} where {{ games_to_build() }}),

shots as (select * from {{ ref('fact_shots') }} where {{ games_to_build() }}),

shift_players as (select * from {{ ref('fact_shift_players') }} where {{ games_to_build() }}),

tracker_rosters as (select * from {{ ref('stg_tracker__rosters') }} where {{ games_to_build() }}),

schedule as (select * from {{ ref('dim_schedule') }}),

weights as (select stat, weight from {{ ref('game_score_weights') }} where player_kind = 'goalie'),

quality_start as (
    {{ seed_values(ref('metric_thresholds'), {
        'quality_start_save_pct': 'save_pct',
        'quality_start_max_goals_against': 'max_goals_against',
    }) }}
),

goalies as (
    select game_id, player_id, mode() within group (order by venue) as venue
    from (
        select game_id, player_id, venue from shift_players where is_goalie and player_id is not null
        union all
        select game_id, player_id, venue from tracker_rosters where position_code = 'G' and player_id is not null
    ) as seen
    group by game_id, player_id
),

faced as (
    select
        game_id,
        goalie_player_id as player_id,
        count(*) filter (where is_on_goal) as shots_against,
        count(*) filter (where outcome = 'goal') as goals_against,
        count(*) filter (where is_unblocked) as unblocked_against,
        count(*) filter (where is_on_goal and is_high_danger) as high_danger_shots_against,
        count(*) filter (where outcome = 'goal' and is_high_danger) as high_danger_goals_against
    from shots
    where goalie_player_id is not null
    group by game_id, goalie_player_id
),

time_on_ice as (
    select game_id, player_id, sum(toi_seconds) as toi_seconds
    from shift_players
    where is_goalie and player_id is not null and is_usable
    group by game_id, player_id
),

assembled as (
    select
        g.game_id,
        g.player_id,
        {{ side_value('g.venue', 'sch.home_team_id', 'sch.away_team_id') }} as team_id,
        g.venue,
        case when gm.has_usable_shifts then coalesce(t.toi_seconds, 0) end as toi_seconds,
        coalesce(f.shots_against, 0) as shots_against,
        coalesce(f.goals_against, 0) as goals_against,
        coalesce(f.shots_against, 0) - coalesce(f.goals_against, 0) as saves,
        coalesce(f.unblocked_against, 0) as unblocked_against,
        coalesce(f.high_danger_shots_against, 0) as high_danger_shots_against,
        coalesce(f.high_danger_goals_against, 0) as high_danger_goals_against,
        gm.has_usable_shifts
    from goalies as g
    inner join games as gm on gm.game_id = g.game_id and gm.has_events
    left join schedule as sch on sch.game_id = g.game_id
    left join faced as f on f.game_id = g.game_id and f.player_id = g.player_id
    left join time_on_ice as t on t.game_id = g.game_id and t.player_id = g.player_id
),

final as (
    select
        a.game_id,
        a.player_id,
        a.team_id,
        a.venue,
        a.toi_seconds,
        a.shots_against,
        a.saves,
        a.goals_against,
        round(a.saves::numeric / nullif(a.shots_against, 0), 4) as save_pct,
        round(a.goals_against * 3600.0 / nullif(a.toi_seconds, 0), 3) as gaa,
        a.unblocked_against,
        a.high_danger_shots_against,
        a.high_danger_goals_against,
        case
            when a.shots_against = 0 then null
            else a.saves::numeric / a.shots_against >= q.save_pct::numeric or a.goals_against <= q.max_goals_against
        end as is_quality_start,
        round((
            a.goals_against * (select weight from weights where stat = 'goals_against')
            + a.saves * (select weight from weights where stat = 'saves')
        )::numeric, 3) as game_score,
        a.has_usable_shifts as has_on_ice_data,
        l.load_id
    from assembled as a
    cross join quality_start as q
    inner join loads as l on l.game_id = a.game_id
)

select * from final
