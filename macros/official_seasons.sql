{#- The official season tables (fact_*_season_stats_basic, fact_standings) count every game or
    roster line twice: under its own game type and under 'All'. `relation` is a CTE with a
    game_type column; the rows come back with `scope_game_type`. -#}
{% macro scoped_by_game_type(relation) -%}
    select {{ relation }}.*, scopes.scope_game_type
    from {{ relation }}
    cross join lateral (values ({{ relation }}.game_type), ('All')) as scopes (scope_game_type)
{%- endmacro %}

{#- A player who subbed for another team keeps the team he played most games for (then the
    latest, then the lowest id), per season and scope. `lines` is a scoped_by_game_type CTE. -#}
{% macro main_team_by_scope(lines) -%}
    select distinct on (player_id, season_id, scope_game_type)
        player_id, season_id, scope_game_type, team_id
    from {{ lines }}
    where team_id is not null
    group by player_id, season_id, scope_game_type, team_id
    order by player_id, season_id, scope_game_type, count(*) desc, max(game_date) desc nulls last, team_id
{%- endmacro %}

{#- A team's (or a goalie's) record over the rows of a group: W, L and T counted from `result`
    (seed dim_game_result's codes). -#}
{% macro result_counts() -%}
        count(*) filter (where result = 'W')::integer as wins,
        count(*) filter (where result = 'L')::integer as losses,
        count(*) filter (where result = 'T')::integer as ties
{%- endmacro %}

{#- A team's official record per season and scope from int_official_games_unpivoted rows: games,
    W-L-T, standings points and goals. The group's key columns come first, from the caller. -#}
{% macro official_record_columns() -%}
        max(season) as season,
        count(*)::integer as games_played,
        {{ result_counts() }},
        sum(standings_points)::integer as points,
        sum(goals_for)::integer as goals_for,
        sum(goals_against)::integer as goals_against
{%- endmacro %}
