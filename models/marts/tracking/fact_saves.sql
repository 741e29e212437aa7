{{ incremental_by_game_config() }}

with events as (select * from {{ ref('fact_events') }} where event_type = 'Save' and {{ games_to_build() }}),

roles as (
    {{ role_player_columns(ref('fact_event_players'), {'event_player_1': 'goalie', 'opp_player_1': 'shooter'}, 'events') }}
),

final as (
    select
        {{ event_fact_columns('e') }},
        r.goalie_player_id,
        r.shooter_player_id,
        e.detail1 as save_result,
        e.detail2 as save_type,
        e.detail1 = 'Save_Freeze' as is_freeze,
        e.detail1 = 'Save_Rebound' as is_rebound_given,
        e.strength_state
    from events as e
    left join roles as r on r.event_id = e.event_id
)

select * from final
