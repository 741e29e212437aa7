{#- Countdown clock -> elapsed seconds in the period, clipped to the period. Null stays null
    (Postgres' least/greatest would otherwise skip the null and return the period's end). -#}
{% macro elapsed_seconds(length_s, remaining_s) -%}
    case
        when {{ remaining_s }} is not null and {{ length_s }} is not null
            then greatest(0, least({{ length_s }}, {{ length_s }} - {{ remaining_s }}))
    end
{%- endmacro %}
