{#- Inferring sides from the players named on an event (int_event_sides_inferred). -#}

{#- The side an event's team is on, from one of its players' side: an event_player's own side, an
    opp_player's opposite one. -#}
{% macro event_side_by_role(role_group, side) -%}
    case {{ role_group }}
        when 'event' then {{ side }}
        when 'opp' then {{ side_value(side, "'away'", "'home'") }}
    end
{%- endmacro %}

{#- The side a player of an event is on, from the event's side and his role (the inverse). -#}
{% macro player_side_by_role(role_group, event_side) -%}
    {{ event_side_by_role(role_group, event_side) }}
{%- endmacro %}

{#- The side most rows vote for (an aggregate); null on a tie or with no votes. -#}
{% macro majority_side(vote) -%}
    case
        when count(*) filter (where {{ vote }} = 'home') > count(*) filter (where {{ vote }} = 'away') then 'home'
        when count(*) filter (where {{ vote }} = 'away') > count(*) filter (where {{ vote }} = 'home') then 'away'
    end
{%- endmacro %}
