{{ config(materialized='view') }}

{{ standings_view('seasons.is_current') }}
