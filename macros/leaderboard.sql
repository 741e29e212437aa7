{#- The dashboard leaderboards: one season table's current-season rows over all official games
    (game_type 'All'), ranked by `order_by`, with the columns of that table's kind. -#}
{% macro current_season_leaderboard(season_table, order_by, columns, where=none) -%}
with stats as (select * from {{ ref(season_table) }}),

seasons as (select * from {{ ref('dim_season') }})

select
    rank() over (order by {{ order_by }})::integer as rank,
    {%- for column in columns %}
    stats.{{ column }}{{ "," if not loop.last }}
    {%- endfor %}
from stats
inner join seasons on seasons.season_id = stats.season_id
where seasons.is_current and stats.game_type = 'All'{% if where %} and {{ where }}{% endif %}
{%- endmacro %}

{#- The standings views (v_standings_current, v_standings_all_seasons): fact_standings with the
    season's label, every game type, the seasons `where` keeps. -#}
{% macro standings_view(where='true') -%}
with standings as (select * from {{ ref('fact_standings') }}),

seasons as (select * from {{ ref('dim_season') }})

select
    standings.season_id,
    seasons.season_display,
    standings.game_type,
    standings.standing_rank,
    standings.team_id,
    standings.team_name,
    standings.games_played,
    standings.wins,
    standings.losses,
    standings.ties,
    standings.points,
    standings.goals_for,
    standings.goals_against,
    standings.goal_diff,
    standings.streak,
    standings.last_5
from standings
inner join seasons on seasons.season_id = standings.season_id
where {{ where }}
{%- endmacro %}
