{#- The tracker mixes separators (`Shot-Wrist`, `Shot_Wrist`, `Giveaway_ZoneClear/Dump`): one
    spelling per term is `-` and `/` written as `_`. Typos and renamed terms are data
    (seed dim_terminology_mapping), applied after this. Blank text is null. -#}
{% macro normalise_term(column) -%}
    nullif(replace(replace(btrim({{ column }}), '-', '_'), '/', '_'), '')
{%- endmacro %}

{#- Named constants of a seed (metric_thresholds, game_score_weights) as one row with a column
    per name: `names` is a list of names, or a mapping of name -> column alias. -#}
{% macro seed_values(relation, names, key_column='name', value_column='value') -%}
    select
        {%- for name in names %}
        max({{ value_column }}) filter (where {{ key_column }} = '{{ name }}') as {{ names[name] if names is mapping else name }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
{%- endmacro %}
