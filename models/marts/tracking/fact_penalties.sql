{{ incremental_by_game_config() }}

-- Penalty events; minutes from the game's own penaltyLengths (minor/major/misconduct).
with events as (select * from {{ ref('fact_events') }} where event_type = 'Penalty' and {{ games_to_build() }}),

games as (select * from {{ ref('stg_tracker__games') }}),

defaults as (
    select
        (max(value) filter (where name = 'minor_penalty_minutes'))::numeric as minor,
        (max(value) filter (where name = 'major_penalty_minutes'))::numeric as major,
        (max(value) filter (where name = 'misconduct_penalty_minutes'))::numeric as misconduct
    from {{ ref('metric_thresholds') }}
),

roles as (
    {{ role_player_columns(
        ref('fact_event_players'), {'event_player_1': 'taken_by', 'opp_player_1': 'drawn_by'}, 'events'
    ) }}
),

final as (
    select
        {{ event_fact_columns('e') }},
        r.taken_by_player_id,
        r.drawn_by_player_id,
        e.detail1 as penalty_class,
        e.detail2 as infraction,
        -- The game's own penaltyLengths; an export without them (xlsx) gets the league's rule.
        case e.detail1
            when 'Penalty_Minor' then coalesce(g.minor_penalty_minutes, d.minor)
            when 'Penalty_Major' then coalesce(g.major_penalty_minutes, d.major)
            when 'Penalty_Misconduct' then coalesce(g.misconduct_penalty_minutes, d.misconduct)
        end as pim
    from events as e
    left join games as g on g.game_id = e.game_id
    left join roles as r on r.event_id = e.event_id
    cross join defaults as d
)

select * from final
