{{ incremental_by_game_config() }}

{{ zone_transition_fact('Entry', 'dim_zone_entry_type') }}
