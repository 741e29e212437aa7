{{ incremental_by_game_config() }}

with events as (select * from {{ ref('fact_events') }} where event_type = 'Turnover' and {{ games_to_build() }}),

giveaway_types as (select * from {{ ref('dim_giveaway_type') }}),

roles as (
    {{ role_player_columns(ref('fact_event_players'), {'event_player_1': 'actor', 'opp_player_1': 'opponent'}, 'events') }}
),

final as (
    select
        {{ event_fact_columns('e') }},
        r.actor_player_id as player_id,
        r.opponent_player_id,
        case e.detail1
            when 'Turnover_Giveaway' then 'giveaway'
            when 'Turnover_Takeaway' then 'takeaway'
        end as turnover_kind,
        e.detail2 as turnover_type,
        coalesce(e.detail1 = 'Turnover_Giveaway' and gt.is_bad, false) as is_bad_giveaway,
        e.zone,
        e.strength_state
    from events as e
    left join giveaway_types as gt on gt.detail2 = e.detail2
    left join roles as r on r.event_id = e.event_id
)

select * from final
