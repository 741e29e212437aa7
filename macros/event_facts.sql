{#- The columns every one-row-per-event fact starts with (fact_saves, fact_faceoffs,
    fact_penalties, fact_turnovers, fact_zone_entries, fact_zone_exits): the event, its game and
    its time and load, then (unless `with_side` is false: faceoffs name the side as the winner's) the
    event team's venue and team. `alias` is the fact_events CTE. -#}
{% macro event_fact_columns(alias='e', with_side=true) -%}
        {{ alias }}.event_id,
        {{ alias }}.game_id,
        {{ alias }}.period,
        {{ alias }}.elapsed_s,
        {{ alias }}.game_seconds,
        {{ alias }}.load_id
        {%- if with_side %},
        {{ alias }}.venue,
        {{ alias }}.team_id
        {%- endif %}
{%- endmacro %}
