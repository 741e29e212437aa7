{{ incremental_by_game_config() }}

-- Grain: game x side's unit x the opposing unit of the same type out with it (game_id, venue,
-- unit_type, unit_key, opponent_unit_key), both sides' views: the time the two units shared the
-- ice and the counts from the first unit's side.
with units as (select * from {{ ref('int_shift_units_grouped') }} where {{ games_to_build() }}),

final as (
    select
        u.game_id,
        u.venue,
        u.team_id,
        u.unit_type,
        u.unit_key,
        o.team_id as opponent_team_id,
        o.unit_key as opponent_unit_key,
        count(*)::integer as shift_rows,
        sum(u.duration_s) as toi_together_s,
        {{ on_ice_sums('u.') }},
        round(sum(u.cf)::numeric / nullif(sum(u.cf) + sum(u.ca), 0), 4) as cf_pct,
        max(u.load_id) as load_id
    from units as u
    inner join units as o on o.shift_id = u.shift_id and o.unit_type = u.unit_type and o.venue <> u.venue
    group by u.game_id, u.venue, u.team_id, u.unit_type, u.unit_key, o.team_id, o.unit_key
)

select * from final
