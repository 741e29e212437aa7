{#- The player in a role on each event (event_player_1 = the actor, opp_player_1 = the opponent
    named first), as columns: one place for the role lookup every event fact shares. -#}
{% macro role_player_columns(event_players_relation, roles) -%}
    select
        event_id,
        {%- for role, alias in roles.items() %}
        max(player_id) filter (where role = '{{ role }}') as {{ alias }}_player_id{{ "," if not loop.last }}
        {%- endfor %}
    from {{ event_players_relation }}
    group by event_id
{%- endmacro %}
