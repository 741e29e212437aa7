{{ incremental_by_game_config() }}

-- Grain: game x side x unit (game_id, venue, unit_type, unit_key): forward trios, defence pairs
-- and five-man units as the shift rows put them out, with their time and on-ice counts.
with units as (select * from {{ ref('int_shift_units_grouped') }} where {{ games_to_build() }}),

final as (
    select
        game_id,
        venue,
        team_id,
        unit_type,
        unit_key,
        player_ids,
        count(*)::integer as shift_rows,
        sum(duration_s) as toi_seconds,
        {{ on_ice_sums() }},
        round(sum(cf)::numeric / nullif(sum(cf) + sum(ca), 0), 4) as cf_pct,
        max(load_id) as load_id
    from units
    group by game_id, venue, team_id, unit_type, unit_key, player_ids
)

select * from final
