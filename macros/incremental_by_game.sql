{#- Large tracking tables are incremental by game: a build replaces the rows of the games it is
    given and leaves every other game's rows alone (the pre-hook deletes those games' rows, the
    build appends their new ones, in one transaction).

    Which games: the environment variable BENCHSIGHT_GAME_IDS (a comma list, what `benchsight
    build --games` and the API set), else every tracked game whose raw rows come from a load the
    table has not seen (its `load_id` column). An environment variable, not `--vars`: dbt
    re-parses the whole project whenever --vars change. A full refresh rebuilds everything.
    Games deleted from raw keep their rows until a full refresh. -#}

{% macro incremental_by_game_config() -%}
    {#- The game_id index serves a one-game build: its delete, and its readers' `game_id in (...)`,
        which otherwise scan the whole season's table.
        The pre-hook empties the games being built, inside the model's transaction, and the new rows
        are appended: they belong to exactly those games (every read is filtered by
        games_to_build). Not dbt's delete+insert: it deletes only the games the new rows mention
        (a game whose new export yields none, its shifts gone, would keep its old rows), and its
        `delete ... where game_id in (select distinct game_id from <temp table>)` is planned on a
        temp table without statistics as a scan of the whole table: 2.2 s for fact_event_on_ice
        alone, about 5 s of deletes that found nothing in a one-game build at 2,000 games. -#}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['game_id']}],
        pre_hook="{% if is_incremental() %}delete from {{ this }} where {{ games_to_build() }}{% endif %}"
    ) }}
{%- endmacro %}

{% macro games_to_build(game_id_column='game_id') -%}
    {#- Referenced unconditionally so dbt records the dependency at parse time. -#}
    {%- set tracked_games = ref('stg_tracker__games') -%}
    {%- if is_incremental() -%}
        {%- set requested = env_var('BENCHSIGHT_GAME_IDS', '') | trim -%}
        {%- if requested -%}
            {{ game_ids_in(game_id_column, requested) }}
        {%- elif execute and 'load_id' not in (adapter.get_columns_in_relation(this) | map(attribute='name') | list) -%}
            {#- A table built before the model was incremental (or before it kept load_id) cannot
                say which loads it saw: every game is rebuilt. -#}
            true
        {%- elif execute -%}
            {#- Looked up now and written as a literal list, not as a subquery: the planner pushes
                `game_id in (1, 2)` down through the window functions and views below (all
                partitioned by game), but a semi-join only filters what they computed for every
                game of the league (a build with nothing new took as long as a full one). -#}
            {%- set found = run_query(
                "select g.game_id from " ~ tracked_games ~ " as g where not exists ("
                ~ "select 1 from " ~ this ~ " as built"
                ~ " where built.game_id = g.game_id and built.load_id = g.load_id) order by 1"
            ) -%}
            {%- set ids = found.columns[0].values() | map('int') | list -%}
            {%- if ids -%}
                {{ game_id_column }} in ({{ ids | join(', ') }})
            {%- else -%}
                false
            {%- endif -%}
        {%- else -%}
            false
        {%- endif -%}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{% macro game_ids_in(game_id_column, requested) -%}
    {#- `<column> in (1, 2)` from BENCHSIGHT_GAME_IDS's comma list, every id cast to an integer:
        the one rendering of the games a build was given (games_to_build, tested_games). -#}
    {{ game_id_column }} in ({% for id in requested.split(',') %}{{ id | int }}{{ ", " if not loop.last }}{% endfor %})
{%- endmacro %}
