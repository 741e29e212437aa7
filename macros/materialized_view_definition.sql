{#- dbt refreshes an existing materialized view whose SQL changed instead of replacing it
    (dbt-labs/dbt-adapters#234): after an upgrade the ML views would keep computing the old
    definition. This compares Postgres's own rendering of the two queries (the existing view's and
    a temporary view of the new SQL, in the same session) and replaces the view when they differ;
    everything else is dbt's own choice. -#}
{% macro materialized_view_get_build_sql(existing_relation, target_relation, backup_relation, intermediate_relation) %}
    {%- if existing_relation is not none and existing_relation.is_materialized_view
        and not should_full_refresh() and materialized_view_definition_changed(existing_relation, sql) -%}
        {{- log("materialized view " ~ target_relation ~ ": its SQL changed, replacing it") -}}
        {{- return(get_replace_sql(existing_relation, target_relation, sql)) -}}
    {%- endif -%}
    {{- return(dbt.materialized_view_get_build_sql(
        existing_relation, target_relation, backup_relation, intermediate_relation
    )) -}}
{% endmacro %}


{% macro materialized_view_definition_changed(relation, sql) %}
    {%- set probe = adapter.quote("benchsight_probe_" ~ local_md5(relation.render())[:12]) -%}
    {%- call statement('materialized_view_probe', fetch_result=True) -%}
        create or replace temporary view {{ probe }} as {{ sql }}
        ;
        select
            pg_get_viewdef('{{ relation.render() | replace("'", "''") }}'::regclass)
            is distinct from pg_get_viewdef('pg_temp.{{ probe }}'::regclass) as changed
    {%- endcall -%}
    {%- set changed = load_result('materialized_view_probe')['data'][0][0] -%}
    {%- do run_query("drop view if exists pg_temp." ~ probe) -%}
    {{- return(changed) -}}
{% endmacro %}
