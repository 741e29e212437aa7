{#- Strength and situation are derived from who is on the ice, never read from the tracker.
    See the docs blocks `strength_state` and `situation` (models/marts/tracking/_docs.md). -#}

{% macro strength_state(skaters_for, skaters_against) -%}
    case
        when {{ skaters_for }} is not null and {{ skaters_against }} is not null
            then {{ skaters_for }}::text || 'v' || {{ skaters_against }}::text
    end
{%- endmacro %}

{% macro strength_valid(skaters_for, skaters_against) -%}
    ({{ skaters_for }} between 3 and 6 and {{ skaters_against }} between 3 and 6)
{%- endmacro %}

{% macro situation(skaters_for, skaters_against, own_goalie_on, opp_goalie_on) -%}
    case
        when {{ skaters_for }} is null or {{ skaters_against }} is null then null
        when not {{ opp_goalie_on }} then 'en_for'
        when not {{ own_goalie_on }} then 'en_against'
        when {{ skaters_for }} > {{ skaters_against }} then 'pp'
        when {{ skaters_for }} < {{ skaters_against }} then 'sh'
        else 'ev'
    end
{%- endmacro %}

{#- Skaters of one side seen from a venue: `for` is the venue's own side. -#}
{% macro side_value(venue, home_value, away_value, perspective='for') -%}
    case
        when {{ venue }} = '{{ "home" if perspective == "for" else "away" }}' then {{ home_value }}
        when {{ venue }} = '{{ "away" if perspective == "for" else "home" }}' then {{ away_value }}
    end
{%- endmacro %}

{#- The split of fact_player_game_situation_stats: `en` when either net is empty, else `pp` / `sh`
    by skaters, `5v5`, and `other` for any other equal strength (4v4, 3v3, invalid counts). -#}
{% macro situation_group(skaters_for, skaters_against, own_goalie_on, opp_goalie_on) -%}
    case
        when {{ skaters_for }} is null or {{ skaters_against }} is null then 'other'
        when not {{ own_goalie_on }} or not {{ opp_goalie_on }} then 'en'
        when {{ skaters_for }} > {{ skaters_against }} then 'pp'
        when {{ skaters_for }} < {{ skaters_against }} then 'sh'
        when {{ skaters_for }} = 5 then '5v5'
        else 'other'
    end
{%- endmacro %}
