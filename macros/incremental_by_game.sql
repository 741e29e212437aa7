{#- Large tracking tables are incremental by game: a build replaces the rows of the games it is
    given and leaves every other game's rows alone (delete+insert on game_id).

    Which games: the environment variable BENCHSIGHT_GAME_IDS (a comma list, what `benchsight
    build --games` sets) or `--vars '{game_ids: [...]}'`, else every tracked game whose raw rows
    come from a load the table has not seen (its `load_id` column). The environment variable is
    the fast path: dbt re-parses the whole project when --vars change, not when it changes. A full
    refresh rebuilds everything. Games deleted from raw keep their rows until a full refresh. -#}

{% macro incremental_by_game_config() -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='game_id',
        on_schema_change='append_new_columns'
    ) }}
{%- endmacro %}

{% macro games_to_build(game_id_column='game_id') -%}
    {#- Referenced unconditionally so dbt records the dependency at parse time. -#}
    {%- set tracked_games = ref('stg_tracker__games') -%}
    {%- if is_incremental() -%}
        {%- set from_env = env_var('BENCHSIGHT_GAME_IDS', '') | trim -%}
        {%- set ids = from_env.split(',') if from_env else var('game_ids', none) -%}
        {%- if ids is not none -%}
            {%- if ids is string -%}{%- set ids = ids.split(',') -%}{%- endif -%}
            {{ game_id_column }} in ({% for id in ids %}{{ id | int }}{{ ", " if not loop.last }}{% endfor %}{{ "null" if ids | length == 0 }})
        {%- else -%}
            {{ game_id_column }} in (
                select g.game_id from {{ tracked_games }} as g
                where not exists (
                    select 1 from {{ this }} as built
                    where built.game_id = g.game_id and built.load_id = g.load_id
                )
            )
        {%- endif -%}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
