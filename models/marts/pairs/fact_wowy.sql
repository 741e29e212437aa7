{{ incremental_by_game_config() }}

-- Grain: game x skater x teammate he shared the ice with (game_id, player_id, teammate_player_id),
-- both orders. With or without you: the pair's numbers together, the player's without the
-- teammate and the teammate's without the player (his totals minus the time together).
with pairs as (select * from {{ ref('int_skater_pairs_overlapped') }} where is_teammate and {{ games_to_build() }}),

skaters as (select * from {{ ref('int_shift_skaters_counted') }} where {{ games_to_build() }}),

totals as (
    select
        game_id,
        player_id,
        sum(toi_seconds) as toi_s,
        sum(cf)::integer as cf,
        sum(ca)::integer as ca,
        sum(gf)::integer as gf,
        sum(ga)::integer as ga
    from skaters
    group by game_id, player_id
),

final as (
    select
        p.game_id,
        p.team_id,
        p.player_id,
        p.other_player_id as teammate_player_id,
        p.toi_together_s,
        p.cf as cf_together,
        p.ca as ca_together,
        round(p.cf::numeric / nullif(p.cf + p.ca, 0), 4) as cf_pct_together,
        p.ff as ff_together,
        p.fa as fa_together,
        p.sf as sf_together,
        p.sa as sa_together,
        p.gf as gf_together,
        p.ga as ga_together,
        me.toi_s - p.toi_together_s as toi_without_s,
        me.cf - p.cf as cf_without,
        me.ca - p.ca as ca_without,
        round((me.cf - p.cf)::numeric / nullif(me.cf - p.cf + me.ca - p.ca, 0), 4) as cf_pct_without,
        me.gf - p.gf as gf_without,
        me.ga - p.ga as ga_without,
        mate.toi_s - p.toi_together_s as teammate_toi_without_s,
        mate.cf - p.cf as teammate_cf_without,
        mate.ca - p.ca as teammate_ca_without,
        round((mate.cf - p.cf)::numeric / nullif(mate.cf - p.cf + mate.ca - p.ca, 0), 4) as teammate_cf_pct_without,
        p.load_id
    from pairs as p
    inner join totals as me on me.game_id = p.game_id and me.player_id = p.player_id
    inner join totals as mate on mate.game_id = p.game_id and mate.player_id = p.other_player_id
)

select * from final
