{#- ANALYZE a model that was materialized as a table, so the next models plan with real row
    counts (a table created seconds ago has no statistics; Postgres then guesses, and a correlated
    plan over guessed sizes can run minutes instead of milliseconds). -#}
{% macro analyze_if_table() -%}
    {%- if model.config.materialized in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
