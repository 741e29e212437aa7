{{ incremental_by_game_config() }}

-- Winner = event_player_1 (the event team won the draw), loser = opp_player_1; zone from the
-- winner's view.
with events as (select * from {{ ref('fact_events') }} where event_type = 'Faceoff' and {{ games_to_build() }}),

roles as (
    {{ role_player_columns(ref('fact_event_players'), {'event_player_1': 'winner', 'opp_player_1': 'loser'}, 'events') }}
),

final as (
    select
        {{ event_fact_columns('e', with_side=false) }},
        e.venue as winner_venue,
        e.team_id as winner_team_id,
        e.opp_team_id as loser_team_id,
        r.winner_player_id,
        r.loser_player_id,
        e.zone as winner_zone,
        e.detail1 as faceoff_reason,
        e.strength_state
    from events as e
    left join roles as r on r.event_id = e.event_id
)

select * from final
