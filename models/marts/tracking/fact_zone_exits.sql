{{ incremental_by_game_config() }}

{{ zone_transition_fact('Exit', 'dim_zone_exit_type') }}
