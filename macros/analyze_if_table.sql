{#- ANALYZE a model that was materialized as a table, so the next models plan with real row
    counts (a table created seconds ago has no statistics; Postgres then guesses, and a correlated
    plan over guessed sizes can run minutes instead of milliseconds).
    A build of some games (BENCHSIGHT_GAME_IDS) changes a few rows of a season's incremental table:
    its statistics still hold, so it is analyzed only if it never was (created by this build);
    re-sampling 30,000 rows of every incremental table was seconds of a one-game build. -#}
{% macro analyze_if_table() -%}
    {#- Read only when executing: an env_var read while dbt parses is recorded, and a new value
        (every one-game build has one) then makes dbt re-parse every model that read it. -#}
    {%- set game_build = (env_var('BENCHSIGHT_GAME_IDS', '') if execute else '') | trim -%}
    {%- if model.config.materialized == 'table'
        or (model.config.materialized == 'incremental' and not game_build) -%}
        analyze {{ this }}
    {%- elif model.config.materialized == 'incremental' -%}
        do $$
        begin
            if (select c.reltuples < 0 from pg_class as c where c.oid = '{{ this }}'::regclass) then
                analyze {{ this }};
            end if;
        end
        $$
    {%- endif -%}
{%- endmacro %}
