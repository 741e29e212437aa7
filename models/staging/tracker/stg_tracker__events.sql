with events as (select * from {{ source('tracker', 'tracker_events') }}),

mapping as (select * from {{ ref('dim_terminology_mapping') }}),

normalised as (
    select
        events.*,
        {{ normalise_term('event_type') }} as event_type_norm,
        {{ normalise_term('detail1') }} as detail1_norm,
        {{ normalise_term('detail2') }} as detail2_norm
    from events
),

final as (
    select
        n.game_id,
        n.event_idx,
        n.game_id::bigint * 100000 + n.event_idx as event_id,
        n.load_id,
        n.period,
        n.event_type_norm as event_type,
        coalesce(d1.normalised, n.detail1_norm) as detail1,
        coalesce(d2.normalised, n.detail2_norm) as detail2,
        n.detail1 as detail1_written,
        n.detail2 as detail2_written,
        lower(n.team) as event_venue,
        n.team_source,
        lower(n.zone) as zone,
        case
            when lower(n.success) in ('true', 's', 't', '1', 'yes') then true
            when lower(n.success) in ('false', 'u', 'f', '0', 'no') then false
        end as is_successful,
        n.start_clock,
        n.start_seconds as start_remaining_s,
        n.end_clock,
        n.end_seconds as end_remaining_s,
        n.strength as strength_written,
        n.linked_event_idx,
        n.assist_to_goal_idx,
        n.sequence_idx,
        n.play_idx,
        coalesce(n.is_highlight, false) as is_highlight,
        n.player_count
    from normalised as n
    left join mapping as d1 on d1.term_kind = 'detail1' and d1.written = n.detail1_norm
    left join mapping as d2 on d2.term_kind = 'detail2' and d2.written = n.detail2_norm
)

select * from final
