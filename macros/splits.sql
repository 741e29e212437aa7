{#- The period and situation splits of a skater's game (fact_player_period_stats,
    fact_player_game_situation_stats), pairs and units sum the same rows the same way: these
    write it once. -#}

{#- On-ice counts summed over rows that carry them (int_shift_skaters_counted, int_shift_units_grouped);
    `alias` qualifies the columns ('u.'). Pairs and units sum them the same way. -#}
{% macro on_ice_sums(alias='') -%}
        sum({{ alias }}cf)::integer as cf,
        sum({{ alias }}ca)::integer as ca,
        sum({{ alias }}ff)::integer as ff,
        sum({{ alias }}fa)::integer as fa,
        sum({{ alias }}sf)::integer as sf,
        sum({{ alias }}sa)::integer as sa,
        sum({{ alias }}gf)::integer as gf,
        sum({{ alias }}ga)::integer as ga
{%- endmacro %}

{#- Individual credits summed over int_skater_credits_split rows. -#}
{% macro credit_sums() -%}
        sum(goals)::integer as goals,
        sum(a1)::integer as a1,
        sum(a2)::integer as a2,
        sum(sog)::integer as sog,
        sum(attempts)::integer as attempts,
        sum(blocks)::integer as blocks
{%- endmacro %}

{#- The published individual columns from a credit_sums CTE `alias`: zero when the player had none. -#}
{% macro credit_columns(alias) -%}
        coalesce({{ alias }}.goals, 0) as goals,
        coalesce({{ alias }}.a1, 0) as a1,
        coalesce({{ alias }}.a2, 0) as a2,
        coalesce({{ alias }}.a1 + {{ alias }}.a2, 0) as assists,
        coalesce({{ alias }}.goals + {{ alias }}.a1 + {{ alias }}.a2, 0) as points,
        coalesce({{ alias }}.sog, 0) as sog,
        coalesce({{ alias }}.attempts, 0) as attempts,
        coalesce({{ alias }}.blocks, 0) as blocks
{%- endmacro %}

{#- The on-ice count columns of an int_shift_sides_counted row `alias`, as its readers carry them. -#}
{% macro on_ice_count_columns(alias) -%}
        {{ alias }}.cf,
        {{ alias }}.ca,
        {{ alias }}.ff,
        {{ alias }}.fa,
        {{ alias }}.sf,
        {{ alias }}.sa,
        {{ alias }}.gf,
        {{ alias }}.ga
{%- endmacro %}

{#- The published on-ice columns from an on_ice_sums CTE `alias`: zero when the player had no
    row, null when `has_on_ice` is false (a game without usable shifts). -#}
{% macro on_ice_columns(alias, has_on_ice) -%}
        {%- for column, published in [
            ('toi_seconds', 'toi_seconds'), ('cf', 'cf'), ('ca', 'ca'), ('ff', 'ff'), ('fa', 'fa'),
            ('sf', 'sf'), ('sa', 'sa'), ('gf', 'gf_on_ice'), ('ga', 'ga_on_ice'),
        ] %}
        case when {{ has_on_ice }} then coalesce({{ alias }}.{{ column }}, 0) end as {{ published }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
{%- endmacro %}
