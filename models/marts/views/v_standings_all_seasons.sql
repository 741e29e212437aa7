{{ config(materialized='view') }}

-- Standings of every season, every game type (v_standings_current keeps the current season).
{{ standings_view() }}
