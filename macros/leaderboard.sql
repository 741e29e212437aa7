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
