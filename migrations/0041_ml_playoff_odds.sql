-- Playoff odds (issue 15): the Monte Carlo over a season's remaining schedule with the active
-- game_outcome ratings, written by benchsight/ml/playoffs.py after each training; one row per
-- team of the simulated season, replaced as a whole (the API reads the newest simulation).
create table ml.playoff_odds (
    season_id text not null,
    team_id text not null,
    team_name text,
    spots integer not null check (spots >= 1),
    simulations integer not null check (simulations >= 1),
    random_seed bigint not null,
    model_version integer not null,
    simulated_at timestamptz not null default now(),
    games_played integer not null,
    games_remaining integer not null,
    current_points integer not null,
    current_standing integer not null,
    playoff_probability double precision not null check (playoff_probability between 0 and 1),
    expected_points double precision not null,
    seed_distribution jsonb not null,
    clinched boolean not null,
    eliminated boolean not null,
    primary key (season_id, team_id)
);
comment on table ml.playoff_odds is
    'Per team of the simulated season: P(finishing in the playoff spots), expected points, the distribution of final standing (seed), clinched / eliminated, from N seeded simulations of the remaining games with the active game_outcome ratings.';
