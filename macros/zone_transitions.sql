{#- Zone entries and exits share their shape: successful `Zone_<Kind>` or failed
    `Zone_<Kind>_Failed` events, controlled or not by detail2 (seed), credited to event_player_1.
    Entries also carry their value: attempts by the entering team in the next
    `entry_value_window_s` seconds of the same sequence. -#}
{% macro zone_transition_fact(kind, types_seed) -%}
with events as (
    select * from {{ ref('fact_events') }}
    where event_type = 'Zone_Entry_Exit' and detail1 in ('Zone_{{ kind }}', 'Zone_{{ kind }}_Failed')
        and {{ games_to_build() }}
),

types as (select * from {{ ref(types_seed) }}),

roles as ({{ role_player_columns(ref('fact_event_players'), {'event_player_1': 'actor'}, 'events') }}),

{% if kind == 'Entry' -%}
shots as (select * from {{ ref('int_shots_classified') }} where {{ games_to_build() }}),

window_s as (select value from {{ ref('metric_thresholds') }} where name = 'entry_value_window_s'),

entry_values as (
    select e.event_id, count(*) as attempts
    from events as e
    inner join shots as s
        on s.game_id = e.game_id and s.venue = e.venue and s.sequence_no = e.sequence_no
    where s.event_idx > e.event_idx
        and s.elapsed_s - e.elapsed_s between 0 and (select value from window_s)
    group by e.event_id
),
{%- endif %}

final as (
    select
        {{ event_fact_columns('e') }},
        r.actor_player_id as player_id,
        e.detail1 = 'Zone_{{ kind }}' as is_successful,
        e.detail2 as {{ kind | lower }}_method,
        coalesce(t.is_controlled, false) as is_controlled,
        e.strength_state
        {%- if kind == 'Entry' %},
        coalesce(v.attempts, 0)::integer as attempts_within_window
        {%- endif %}
    from events as e
    left join types as t on t.detail2 = e.detail2
    left join roles as r on r.event_id = e.event_id
    {%- if kind == 'Entry' %}
    left join entry_values as v on v.event_id = e.event_id
    {%- endif %}
)

select * from final
{%- endmacro %}
