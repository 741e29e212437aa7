{#- Rink points in the one published frame: origin at centre ice, the attacked net at (89, 0).
    `x_centred`/`y_centred` are already centre-origin (the loaders shift 23.8's corner frame);
    here they are turned so the event team always attacks to the right. Teams change ends every
    period; `homeAttacksRightP1` gives period 1. -#}
{% macro attacks_right(venue, period, home_attacks_right_p1) -%}
    (({{ venue }} = 'home') = ({{ home_attacks_right_p1 }} = (({{ period }} % 2) = 1)))
{%- endmacro %}

{% macro oriented(value, attacks_right_expr) -%}
    case when {{ attacks_right_expr }} then {{ value }} else -({{ value }}) end
{%- endmacro %}
