{{ incremental_by_game_config() }}

-- Grain: skater x tracked game with usable shifts x situation group (game_id, player_id,
-- situation): 5v5, pp, sh, en or other, from the strength derived from the shift rows (never the
-- tracker's written field), seen from the player's side. A row where the player had ice time or
-- a credit in that situation; a credit for an event that matched no shift row counts as other.
-- The rows of a game add up to his game row.
with players as (select * from {{ ref('fact_player_game_stats') }} where has_on_ice_data and {{ games_to_build() }}),

on_ice as (
    select
        game_id,
        player_id,
        situation_group as situation,
        sum(toi_seconds) as toi_seconds,
        {{ on_ice_sums() }}
    from {{ ref('int_shift_skaters_counted') }}
    where {{ games_to_build() }}
    group by game_id, player_id, situation_group
),

credits as (
    select game_id, player_id, coalesce(situation_group, 'other') as situation, {{ credit_sums() }}
    from {{ ref('int_skater_credits_split') }}
    where {{ games_to_build() }}
    group by game_id, player_id, coalesce(situation_group, 'other')
),

keys as (
    select game_id, player_id, situation from on_ice
    union
    select game_id, player_id, situation from credits
),

final as (
    select
        p.game_id,
        p.player_id,
        p.team_id,
        p.venue,
        k.situation,
        {{ credit_columns('c') }},
        {{ on_ice_columns('o', 'true') }},
        p.load_id
    from keys as k
    inner join players as p on p.game_id = k.game_id and p.player_id = k.player_id
    left join on_ice as o on o.game_id = k.game_id and o.player_id = k.player_id and o.situation = k.situation
    left join credits as c on c.game_id = k.game_id and c.player_id = k.player_id and c.situation = k.situation
)

select * from final
