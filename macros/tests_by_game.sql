{#- A build of some games (BENCHSIGHT_GAME_IDS) tests those games' rows, not the league's: the
    other games' rows are the ones their own builds tested, and re-reading every row of a season's
    tables made the tests a growing share of a one-game build (at 600 games the unique test on
    int_event_shift_matches and the TOI invariant took 0.7 s of its 2.7 s of database time).
    Keys of the by-game tables cannot collide across games (event ids are game_id * 100000 + n),
    so a key test scoped to the built games still proves the table's keys unique. -#}

{% macro tested_games(game_id_column='game_id') -%}
    {#- Read only when executing: an env_var read while dbt parses is recorded, and a new value
        (every one-game build has one) then makes dbt re-parse every node that read it. -#}
    {%- set requested = (env_var('BENCHSIGHT_GAME_IDS', '') if execute else '') | trim -%}
    {%- if requested -%}
        {{ game_ids_in(game_id_column, requested) }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- dbt's generic tests read their model through this macro (it applies the `where` config). A
    table incremental by game is narrowed to the games being built as well. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {#- A namespace: a plain `set` inside the loop would not outlive it (Jinja scoping). -#}
    {%- set found = namespace(by_game=false) -%}
    {%- if execute and (env_var('BENCHSIGHT_GAME_IDS', '') | trim) -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'model'
            and node.config.materialized == 'incremental'
            and node.schema == relation.schema
            and (node.alias or node.name) == relation.identifier -%}
            {%- set found.by_game = true -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set filters = ([where] if where else []) + ([tested_games()] if found.by_game else []) -%}
    {%- if filters -%}
        {%- set filtered -%}
            (select * from {{ relation }} where ({{ filters | join(') and (') }})) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
