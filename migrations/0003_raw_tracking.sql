-- Raw tracker tables: tracker JSON (23.8, 25.0) and *_tracking.xlsx exports normalised into one
-- shape. One game's rows in every tracker_* table come from one file (or one API post) and are
-- replaced together in one transaction. Values stay as written; the few columns a loader derives
-- say so in their comment (parsed clock seconds, normalised role, derived side, xy frame).

create table raw.tracking_files (
    file_seen_id bigint generated always as identity primary key,
    load_id bigint references raw.loads (load_id),
    source text not null check (source in ('file', 'api')),
    file_path text not null,
    file_name text not null,
    file_sha256 text not null,
    game_id integer not null,
    source_format text not null check (source_format in ('json', 'xlsx')),
    version text,
    exported_at timestamptz,
    event_count integer,
    shift_count integer,
    event_player_count integer,
    chosen boolean not null,
    reason text not null,
    seen_at timestamptz not null default now(),
    unique (file_path, file_sha256)
);
create unique index tracking_files_one_chosen_per_game on raw.tracking_files (game_id) where chosen;
comment on table raw.tracking_files is
    'Manifest of tracker files seen: which game the content says it is, its export time and counts, and whether it is the game''s chosen (newest) export or why not.';

create table raw.tracker_games (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    game_id integer primary key,
    source_format text not null,
    version text,
    home_team text,
    away_team text,
    home_color text,
    away_color text,
    period_lengths jsonb,
    penalty_lengths jsonb,
    period_length_minutes numeric,
    home_attacks_right_p1 boolean,
    export_date text,
    saved_at text,
    exported_at timestamptz,
    xy_frame text not null,
    event_count integer not null,
    shift_count integer not null,
    event_player_count integer not null,
    flags text[] not null default '{}',
    extra jsonb not null default '{}',
    loaded_at timestamptz not null default now()
);
comment on table raw.tracker_games is
    'One row per tracked game (its chosen export): teams, colours, period lengths (minutes, as in the file), penalty lengths, attack direction in period 1, export time, counts and flags (no_events, no_usable_shifts).';
comment on column raw.tracker_games.version is 'JSON: the file''s version (23.8, 25.0). xlsx: metadata tracker_version (the exporter''s version, not the data''s).';
comment on column raw.tracker_games.period_lengths is 'periodLengths as written ({"1":18,...,"OT":5} minutes); xlsx: from the video_timing sheet''s Period Lengths rows when present.';
comment on column raw.tracker_games.period_length_minutes is 'xlsx metadata period_length_minutes (one number for all periods); null for JSON.';
comment on column raw.tracker_games.xy_frame is 'Frame of rink XY points: rink_corner (0..200 x 0..85, origin in a corner: 23.8), rink_centre (about -100..100 x -42.5..42.5: 25.0), unknown (no points or cannot tell).';
comment on column raw.tracker_games.extra is 'Other top-level keys of the export (videos, videoTiming, linePresets, ...). The settings key is never stored.';

create table raw.tracker_rosters (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    game_id integer not null,
    side text not null,
    roster_order integer not null,
    player_id text,
    jersey text,
    player_name text,
    position text,
    rating text,
    loaded_at timestamptz not null default now(),
    primary key (game_id, side, roster_order)
);
comment on table raw.tracker_rosters is 'The tracker''s own game roster (rosters.home / rosters.away): jersey -> player_id for this game. xlsx exports have none.';

create table raw.tracker_events (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    game_id integer not null,
    event_idx integer not null,
    period integer not null,
    event_type text not null,
    team text,
    team_source text,
    zone text,
    success text,
    detail1 text,
    detail2 text,
    start_clock text,
    start_seconds numeric,
    end_clock text,
    end_seconds numeric,
    strength text,
    linked_event_idx integer,
    assist_to_goal_idx integer,
    sequence_idx integer,
    play_idx integer,
    is_highlight boolean,
    type_code text,
    type_id text,
    detail1_code text,
    detail1_id text,
    detail2_code text,
    detail2_id text,
    linked_event_chain jsonb,
    video_url text,
    player_count integer not null,
    extra jsonb,
    loaded_at timestamptz not null default now(),
    primary key (game_id, event_idx)
);
comment on table raw.tracker_events is 'One row per tracker event (idx as in the JSON; xlsx event_index - 1000). Empty text is stored as null; extra holds keys the loader does not know (null when none).';
comment on column raw.tracker_events.team is 'Event team, home/away (xlsx h/a written as home/away).';
comment on column raw.tracker_events.team_source is 'file: written in the export; derived: from the players'' roles and sides (xlsx without a team column); hint: the xlsx team_ helper column; null when unknown.';
comment on column raw.tracker_events.zone is 'Zone relative to the event team as written: o/d/n (xlsx Offensive/Defensive/Neutral written as o/d/n).';
comment on column raw.tracker_events.success is 'As written: 23.8 true/false, 25.0 s/u; blank and null are null.';
comment on column raw.tracker_events.start_clock is 'Countdown clock (time remaining in the period) exactly as written, e.g. 17:59, 00:0.01, 18:, or blank.';
comment on column raw.tracker_events.start_seconds is 'start_clock parsed to seconds remaining (fractions kept); null when blank or unusable (see raw.load_warnings).';
comment on column raw.tracker_events.strength is 'As written by the tracker (defaults to 5v5): untrusted.';

create table raw.tracker_event_players (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    game_id integer not null,
    event_idx integer not null,
    player_order integer not null,
    jersey text,
    player_name text,
    player_id text,
    position text,
    team_written text,
    side text,
    role_written text,
    role text,
    role_group text,
    role_number integer,
    role_num_written text,
    play_d1 text,
    play_d2 text,
    play_success text,
    pressure text,
    pressured_by text,
    side_of_puck text,
    extra jsonb,
    loaded_at timestamptz not null default now()
);
-- No primary key on the large per-game tables: the parser guarantees (game_id, event_idx,
-- player_order) is unique, and one plain index serves the per-game replace and per-game builds
-- at a fraction of the COPY cost of a unique one.
create index tracker_event_players_game_idx on raw.tracker_event_players (game_id);
comment on table raw.tracker_event_players is 'One row per player named on an event, in the order written (player_order from 1).';
comment on column raw.tracker_event_players.team_written is 'The player''s team as written (home/away); 23.8 files may omit it.';
comment on column raw.tracker_event_players.side is 'The player''s side, home/away: as written, else derived from the role and the event team (xlsx: from the jersey''s side in the shifts sheet).';
comment on column raw.tracker_event_players.role is 'Normalised role: event_player_N or opp_player_N (25.0 writes event_team_player_N / opp_team_player_N); null when the written role is not a role.';

create table raw.tracker_xy_points (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    game_id integer not null,
    event_idx integer not null,
    kind text not null check (kind in ('puck', 'player', 'net')),
    player_order integer,
    jersey text,
    role text,
    seq integer not null,
    x numeric,
    y numeric,
    frame text not null,
    x_centred numeric,
    y_centred numeric,
    loaded_at timestamptz not null default now()
);
create index tracker_xy_points_game_idx on raw.tracker_xy_points (game_id);
comment on table raw.tracker_xy_points is 'XY points of an event: puck path, each player''s path (player_order/jersey/role of the event player), the net-face point. Null points in a path are skipped.';
comment on column raw.tracker_xy_points.frame is 'rink_corner, rink_centre, net_face or unknown (see raw.tracker_games.xy_frame).';
comment on column raw.tracker_xy_points.x_centred is 'x in the centre-origin rink frame (rink_corner: x - 100); null for net_face/unknown. Attack direction is not applied.';
comment on column raw.tracker_xy_points.y_centred is 'y in the centre-origin rink frame (rink_corner: y - 42.5); null for net_face/unknown.';

create table raw.tracker_shifts (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    game_id integer not null,
    shift_idx integer not null,
    period integer not null,
    start_clock text,
    start_seconds numeric,
    end_clock text,
    end_seconds numeric,
    start_type text,
    stop_type text,
    strength text,
    duration numeric,
    stoppage_time numeric,
    player_count integer not null,
    extra jsonb,
    loaded_at timestamptz not null default now(),
    primary key (game_id, shift_idx)
);
comment on table raw.tracker_shifts is 'One row per shift (line change) in file order (shift_idx from 0). Clocks as in tracker_events; strength untrusted.';

create table raw.tracker_shift_slots (
    load_id bigint not null,
    source text not null check (source in ('file', 'api')),
    file_name text,
    file_sha256 text,
    sheet text,
    row_number integer,
    game_id integer not null,
    shift_idx integer not null,
    side text not null,
    slot text not null,
    slot_order integer not null,
    jersey text,
    player_name text,
    player_id text,
    position text,
    loaded_at timestamptz not null default now()
);
create index tracker_shift_slots_game_idx on raw.tracker_shift_slots (game_id);
comment on table raw.tracker_shift_slots is 'Who was on the ice in a shift: one row per filled slot (F1, F2, F3, D1, D2, G, X) and side; X may hold several players (slot_order).';
