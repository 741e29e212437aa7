-- Penalty events; minutes from the game's own penaltyLengths (minor/major/misconduct).
with events as (select * from {{ ref('fact_events') }} where event_type = 'Penalty'),

games as (select * from {{ ref('stg_tracker__games') }}),

roles as ({{ role_player_columns(ref('fact_event_players'), {'event_player_1': 'taken_by', 'opp_player_1': 'drawn_by'}) }}),

final as (
    select
        e.event_id,
        e.game_id,
        e.period,
        e.elapsed_s,
        e.game_seconds,
        e.venue,
        e.team_id,
        r.taken_by_player_id,
        r.drawn_by_player_id,
        e.detail1 as penalty_class,
        e.detail2 as infraction,
        case e.detail1
            when 'Penalty_Minor' then g.minor_penalty_minutes
            when 'Penalty_Major' then g.major_penalty_minutes
            when 'Penalty_Misconduct' then g.misconduct_penalty_minutes
        end as pim
    from events as e
    left join games as g on g.game_id = e.game_id
    left join roles as r on r.event_id = e.event_id
)

select * from final
