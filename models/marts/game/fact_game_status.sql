-- Grain: scheduled game (and any tracked game missing from the schedule): is it tracked, how
-- good is its tracking, and the official and tracked scores side by side.
with schedule as (select * from {{ ref('dim_schedule') }}),

quality as (select * from {{ ref('qa_game_quality') }}),

files as (
    select game_id, max(exported_at) as last_export_at, count(*) as files_seen
    from {{ ref('stg_tracker__files') }}
    group by game_id
),

games as (
    select game_id from schedule
    union
    select game_id from quality
),

final as (
    select
        g.game_id,
        s.season_id,
        s.game_date,
        s.game_type,
        s.schedule_type,
        s.home_team_id,
        s.away_team_id,
        s.home_total_goals as home_goals_official,
        s.away_total_goals as away_goals_official,
        q.goals_tracked_home as home_goals_tracked,
        q.goals_tracked_away as away_goals_tracked,
        case
            when q.game_id is null then 'untracked'
            when not q.has_events then 'empty'
            when q.periods_tracked < 3 then 'partial'
            else 'tracked'
        end as tracking_status,
        q.grade,
        coalesce(q.reasons, '{}') as reasons,
        s.game_id is not null as is_scheduled,
        f.files_seen::integer as files_seen,
        f.last_export_at
    from games as g
    left join schedule as s on s.game_id = g.game_id
    left join quality as q on q.game_id = g.game_id
    left join files as f on f.game_id = g.game_id
)

select * from final
