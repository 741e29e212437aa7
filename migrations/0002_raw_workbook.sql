-- Raw workbook tables (BLB_TABLES.xlsx), the load log and the load warnings.
-- Loaders are the only writers. Cells are kept as text, exactly as the workbook holds them
-- (numbers without a trailing .0, dates as ISO text); cleanup happens in dbt staging.
-- Data tables carry load_id without a foreign key: a per-row constraint trigger would cost more
-- than the COPY itself, and the loader writes raw.loads in the same transaction.

create table raw.loads (
    load_id bigint generated always as identity primary key,
    kind text not null check (kind in ('workbook', 'workbook_rows', 'tracking')),
    source text not null check (source in ('file', 'api')),
    file_path text,
    file_name text,
    file_sha256 text,
    game_id integer,
    table_name text,
    outcome text not null,
    reason text,
    row_counts jsonb not null default '{}',
    started_at timestamptz not null default now(),
    finished_at timestamptz not null default clock_timestamp()
);
comment on table raw.loads is
    'One row per load that wrote something (loaded, replaced, skipped-older). Rejected files and unchanged re-loads write nothing.';

create table raw.load_warnings (
    load_id bigint not null references raw.loads (load_id),
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    game_id integer,
    table_name text,
    location text not null,
    code text not null,
    message text not null,
    loaded_at timestamptz not null default now()
);
create index load_warnings_game_idx on raw.load_warnings (game_id);
create index load_warnings_table_idx on raw.load_warnings (table_name);
comment on table raw.load_warnings is
    'Soft quirks a loader accepted (blank clock, unknown jersey, duplicate player, stray assist flag, unknown sheet, ...), with their location in the source; QA publishes them. Replaced with the rows they describe.';

create table raw.workbook_sheets (
    load_id bigint not null references raw.loads (load_id),
    file_name text,
    file_sha256 text,
    sheet text not null,
    known boolean not null,
    table_name text,
    row_count integer not null,
    extra_columns text[] not null default '{}',
    ignored_columns text[] not null default '{}',
    missing_columns text[] not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.workbook_sheets is
    'Every sheet seen in the last workbook load: known sheets with their row counts and column differences, unknown sheets recorded and skipped.';


create table raw.blb_dim_league (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    league_id text,
    league text,
    extra jsonb not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.blb_dim_league is
    'Sheet dim_league of the league workbook, verbatim as text (key: league_id); undocumented columns in extra, columns ending in _ dropped.';

create table raw.blb_dim_season (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    season_id text,
    season text,
    session text,
    norad text,
    csah text,
    league_id text,
    league text,
    start_date text,
    season_display text,
    extra jsonb not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.blb_dim_season is
    'Sheet dim_season of the league workbook, verbatim as text (key: season_id); undocumented columns in extra, columns ending in _ dropped.';

create table raw.blb_dim_team (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    team_name text,
    team_id text,
    norad_team text,
    league_id text,
    league text,
    long_team_name text,
    team_cd text,
    team_color1 text,
    team_color2 text,
    team_color3 text,
    team_color4 text,
    team_logo text,
    team_url text,
    extra jsonb not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.blb_dim_team is
    'Sheet dim_team of the league workbook, verbatim as text (key: team_id); undocumented columns in extra, columns ending in _ dropped.';

create table raw.blb_dim_player (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    player_first_name text,
    player_last_name text,
    player_full_name text,
    player_id text,
    player_primary_position text,
    current_skill_rating text,
    birth_year text,
    player_gender text,
    highest_beer_league text,
    player_rating_ly text,
    player_leadership text,
    player_norad text,
    player_norad_current_team text,
    player_norad_current_team_id text,
    other_url text,
    player_url text,
    player_image text,
    extra jsonb not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.blb_dim_player is
    'Sheet dim_player of the league workbook, verbatim as text (key: player_id); undocumented columns in extra, columns ending in _ dropped.';

create table raw.blb_dim_schedule (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    game_id text,
    season text,
    season_id text,
    game_url text,
    date text,
    game_time text,
    home_team_name text,
    away_team_name text,
    home_team_id text,
    away_team_id text,
    head_to_head_id text,
    game_type text,
    playoff_round text,
    last_period_type text,
    period_length text,
    ot_period_length text,
    shootout_rounds text,
    schedule_type text,
    include text,
    home_total_goals text,
    away_total_goals text,
    home_team_period1_goals text,
    home_team_period2_goals text,
    home_team_period3_goals text,
    home_team_periodot_goals text,
    away_team_period1_goals text,
    away_team_period2_goals text,
    away_team_period3_goals text,
    away_team_periodot_goals text,
    home_team_seeding text,
    home_team_w text,
    home_team_l text,
    home_team_t text,
    home_team_pts text,
    away_team_seeding text,
    away_team_w text,
    away_team_l text,
    away_team_t text,
    away_team_pts text,
    extra jsonb not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.blb_dim_schedule is
    'Sheet dim_schedule of the league workbook, verbatim as text (key: game_id); undocumented columns in extra, columns ending in _ dropped.';

create table raw.blb_fact_gameroster (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    game_id text,
    team_venue text,
    team_name text,
    opp_team_name text,
    player_game_number text,
    player_position text,
    games_played text,
    goals text,
    assist text,
    goals_against text,
    pim text,
    shutouts text,
    team_id text,
    opp_team_id text,
    player_full_name text,
    player_id text,
    date text,
    season text,
    sub text,
    current_team text,
    extra jsonb not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.blb_fact_gameroster is
    'Sheet fact_gameroster of the league workbook, verbatim as text (key: game_id, player_id); undocumented columns in extra, columns ending in _ dropped.';

create table raw.blb_fact_registration (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    player_season_registration_id text,
    player_full_name text,
    player_id text,
    season_id text,
    season text,
    restricted text,
    email text,
    position text,
    norad_experience text,
    caf text,
    highest_beer_league_played text,
    skill_rating text,
    age text,
    referred_by text,
    notes text,
    sub_yn text,
    drafted_team_name text,
    drafted_team_id text,
    extra jsonb not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.blb_fact_registration is
    'Sheet fact_registration of the league workbook, verbatim as text (key: player_season_registration_id); undocumented columns in extra, columns ending in _ dropped.';

create table raw.blb_fact_draft (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    player_draft_id text,
    team_id text,
    skill_rating text,
    round text,
    player_full_name text,
    player_id text,
    team_name text,
    restricted text,
    overall_draft_round text,
    overall_draft_position text,
    unrestricted_draft_position text,
    season text,
    season_id text,
    league text,
    extra jsonb not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.blb_fact_draft is
    'Sheet fact_draft of the league workbook, verbatim as text (key: player_draft_id); undocumented columns in extra, columns ending in _ dropped.';

create table raw.blb_fact_leadership (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    player_full_name text,
    player_id text,
    leadership text,
    skill_rating text,
    team_name text,
    team_id text,
    season text,
    season_id text,
    extra jsonb not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.blb_fact_leadership is
    'Sheet fact_leadership of the league workbook, verbatim as text (key: player_id, team_id, season_id); undocumented columns in extra, columns ending in _ dropped.';

create table raw.blb_dim_playerurlref (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    n_player_url text,
    player_full_name text,
    n_player_id_2 text,
    extra jsonb not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.blb_dim_playerurlref is
    'Sheet dim_playerurlref of the league workbook, verbatim as text (key: n_player_url); undocumented columns in extra, columns ending in _ dropped.';

create table raw.blb_dim_randomnames (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    random_full_name text,
    random_first_name text,
    random_last_name text,
    gender text,
    name_used text,
    extra jsonb not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.blb_dim_randomnames is
    'Sheet dim_randomnames of the league workbook, verbatim as text (key: random_full_name); undocumented columns in extra, columns ending in _ dropped.';

create table raw.blb_dim_event_type (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    event_type_id text,
    event_type_code text,
    event_type_name text,
    event_category text,
    description text,
    is_corsi text,
    is_fenwick text,
    extra jsonb not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.blb_dim_event_type is
    'Sheet dim_event_type of the league workbook, verbatim as text (key: event_type_id); undocumented columns in extra, columns ending in _ dropped.';

create table raw.blb_dim_event_detail (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    event_detail_id text,
    event_detail_code text,
    event_detail_name text,
    event_type text,
    category text,
    description text,
    is_shot_on_goal text,
    is_goal text,
    is_miss text,
    is_block text,
    danger_potential text,
    extra jsonb not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.blb_dim_event_detail is
    'Sheet dim_event_detail of the league workbook, verbatim as text (key: event_detail_id); undocumented columns in extra, columns ending in _ dropped.';

create table raw.blb_dim_event_detail_2 (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    event_detail_2_id text,
    event_detail_2_code text,
    event_detail_2_name text,
    event_type text,
    category text,
    description text,
    is_shot_on_goal text,
    is_goal text,
    is_miss text,
    is_block text,
    danger_potential text,
    event_type_macro text,
    extra jsonb not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.blb_dim_event_detail_2 is
    'Sheet dim_event_detail_2 of the league workbook, verbatim as text (key: event_detail_2_id); undocumented columns in extra, columns ending in _ dropped.';

create table raw.blb_dim_play_detail (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    play_detail_id text,
    play_detail_code text,
    play_detail_name text,
    play_category text,
    skill_level text,
    description text,
    extra jsonb not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.blb_dim_play_detail is
    'Sheet dim_play_detail of the league workbook, verbatim as text (key: play_detail_id); undocumented columns in extra, columns ending in _ dropped.';

create table raw.blb_dim_play_detail_2 (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    play_detail_2_id text,
    play_detail_2_code text,
    play_detail_2_name text,
    play_category text,
    skill_level text,
    description text,
    extra jsonb not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.blb_dim_play_detail_2 is
    'Sheet dim_play_detail_2 of the league workbook, verbatim as text (key: play_detail_2_id); undocumented columns in extra, columns ending in _ dropped.';
