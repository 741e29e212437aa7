{#- `+schema: staging` means the schema `staging`, not `<target schema>_staging`: the schemas are
    part of the published design (warehouse.md), the same in every target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
