{{ zone_transition_fact('Exit', 'dim_zone_exit_type') }}
