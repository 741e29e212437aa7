{{ incremental_by_game_config() }}

-- Grain: game x skater x opposing skater he shared the ice with (game_id, player_id,
-- opponent_player_id), both orders: a row and its mirror swap for and against.
with pairs as (select * from {{ ref('int_skater_pairs_overlapped') }} where not is_teammate and {{ games_to_build() }}),

final as (
    select
        game_id,
        team_id,
        player_id,
        other_team_id as opponent_team_id,
        other_player_id as opponent_player_id,
        toi_together_s,
        cf,
        ca,
        round(cf::numeric / nullif(cf + ca, 0), 4) as cf_pct,
        ff,
        fa,
        sf,
        sa,
        gf,
        ga,
        load_id
    from pairs
)

select * from final
