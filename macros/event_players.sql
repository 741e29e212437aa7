{#- The player in a role on each event (event_player_1 = the actor, opp_player_1 = the opponent
    named first), as columns: one place for the role lookup every event fact shares. Only for
    the events of the CTE `events_cte` (an event_id column): grouping every event player of the
    season first cost each event fact a second or two at season scale. -#}
{% macro role_player_columns(event_players_relation, roles, events_cte) -%}
    select
        event_id,
        {%- for role, alias in roles.items() %}
        max(player_id) filter (where role = '{{ role }}') as {{ alias }}_player_id{{ "," if not loop.last }}
        {%- endfor %}
    from {{ event_players_relation }}
    where event_id in (select {{ events_cte }}.event_id from {{ events_cte }})
    group by event_id
{%- endmacro %}
