{{ incremental_by_game_config() }}

-- Grain: tracked game x period (1, 2, 3 and 4 = overtime when the game has events in it).
-- Period lengths come from the file (periodLengths), else the schedule, else the league default
-- (dim_period): never an assumed 20 minutes.
-- A table incremental by game: read by every clocked model, and its last-period scan of the event
-- log cost seconds each time it was inlined.
with games as (select * from {{ ref('stg_tracker__games') }} where {{ games_to_build() }}),

schedule as (select * from {{ ref('stg_blb__games') }}),

periods as (select * from {{ ref('dim_period') }}),

events as (
    select game_id, max(period) as last_period
    from {{ ref('stg_tracker__events') }}
    where {{ games_to_build() }}
    group by game_id
),

game_periods as (
    select
        g.game_id,
        p.period,
        g.load_id,
        case p.period
            when 1 then g.p1_length_s
            when 2 then g.p2_length_s
            when 3 then g.p3_length_s
            when 4 then g.ot_length_s
        end as file_length_s,
        case
            when p.period = 4 then s.ot_period_length * 60
            else s.period_length * 60
        end as schedule_length_s,
        p.default_length_minutes * 60 as default_length_s
    from games as g
    cross join periods as p
    left join schedule as s on s.game_id = g.game_id
    left join events as e on e.game_id = g.game_id
    where p.period <= 3 or p.period <= coalesce(e.last_period, 3)
),

final as (
    select
        game_id,
        period,
        load_id,
        coalesce(file_length_s, schedule_length_s, default_length_s) as length_s,
        case
            when file_length_s is not null then 'file'
            when schedule_length_s is not null then 'schedule'
            else 'default'
        end as length_source,
        coalesce(
            sum(coalesce(file_length_s, schedule_length_s, default_length_s)) over (
                partition by game_id order by period rows between unbounded preceding and 1 preceding
            ),
            0
        ) as offset_s
    from game_periods
)

select * from final
