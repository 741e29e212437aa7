with players as (select * from {{ source('tracker', 'tracker_event_players') }}),

mapping as (
    select * from {{ ref('dim_terminology_mapping') }} where term_kind = 'play_detail'
),

final as (
    select
        p.game_id,
        p.event_idx,
        p.game_id::bigint * 100000 + p.event_idx as event_id,
        p.player_order,
        nullif(btrim(p.jersey), '') as jersey,
        p.player_name,
        nullif(btrim(p.player_id), '') as player_id_written,
        lower(p.side) as venue,
        p.role,
        p.role_group,
        p.role_number,
        coalesce(m1.normalised, {{ normalise_term('p.play_d1') }}) as play_d1,
        coalesce(m2.normalised, {{ normalise_term('p.play_d2') }}) as play_d2,
        p.play_success,
        p.pressure,
        p.side_of_puck
    from players as p
    left join mapping as m1 on m1.written = {{ normalise_term('p.play_d1') }}
    left join mapping as m2 on m2.written = {{ normalise_term('p.play_d2') }}
)

select * from final
