{{ incremental_by_game_config() }}

-- Grain: game x skater x other skater on the ice with him (game_id, player_id, other_player_id),
-- both orders, teammates and opponents. Real co-presence: the seconds of the shift rows both were
-- on (the rows of a game do not overlap, so this is the overlap of their half-open intervals),
-- and the on-ice counts of those rows from the first player's side.
with skaters as (select * from {{ ref('int_shift_skaters_counted') }} where {{ games_to_build() }}),

final as (
    select
        a.game_id,
        a.player_id,
        b.player_id as other_player_id,
        a.team_id,
        b.team_id as other_team_id,
        a.venue = b.venue as is_teammate,
        sum(a.toi_seconds) as toi_together_s,
        {{ on_ice_sums('a.') }},
        max(a.load_id) as load_id
    from skaters as a
    inner join skaters as b on b.shift_id = a.shift_id and b.player_id <> a.player_id
    group by a.game_id, a.player_id, b.player_id, a.team_id, b.team_id, a.venue = b.venue
)

select * from final
