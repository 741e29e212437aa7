{#- The tracker mixes separators (`Shot-Wrist`, `Shot_Wrist`, `Giveaway_ZoneClear/Dump`): one
    spelling per term is `-` and `/` written as `_`. Typos and renamed terms are data
    (seed dim_terminology_mapping), applied after this. Blank text is null. -#}
{% macro normalise_term(column) -%}
    nullif(replace(replace(btrim({{ column }}), '-', '_'), '/', '_'), '')
{%- endmacro %}
