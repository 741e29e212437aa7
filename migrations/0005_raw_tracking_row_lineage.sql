-- A game's file lineage (source, file name, sha256) is written once per game, in
-- raw.tracker_games and raw.loads, instead of on each of its rows: the per-row tracker tables
-- keep load_id (-> raw.loads), the row's place in the file (sheet, row_number) and loaded_at.
-- Repeated on every row, the 64-character sha256 and the file name were a third of the bytes
-- the server parsed, stored and logged per event-player row (126 MB -> 85 MB for a 200-game
-- season's event players; a quarter less server CPU per COPY).
alter table raw.tracker_rosters
    drop column source, drop column file_name, drop column file_sha256;
alter table raw.tracker_events
    drop column source, drop column file_name, drop column file_sha256;
alter table raw.tracker_event_players
    drop column source, drop column file_name, drop column file_sha256;
alter table raw.tracker_xy_points
    drop column source, drop column file_name, drop column file_sha256;
alter table raw.tracker_shifts
    drop column source, drop column file_name, drop column file_sha256;
alter table raw.tracker_shift_slots
    drop column source, drop column file_name, drop column file_sha256;

comment on column raw.tracker_games.file_sha256 is
    'sha256 of the export (file bytes, or the posted document) all rows of this game come from; every tracker_* row of the game has the same load_id.';
comment on column raw.tracker_rosters.load_id is 'The load that wrote the row: raw.loads (source, file, sha256, time) and raw.tracker_games hold its file lineage.';
comment on column raw.tracker_events.load_id is 'The load that wrote the row: raw.loads (source, file, sha256, time) and raw.tracker_games hold its file lineage.';
comment on column raw.tracker_event_players.load_id is 'The load that wrote the row: raw.loads (source, file, sha256, time) and raw.tracker_games hold its file lineage.';
comment on column raw.tracker_xy_points.load_id is 'The load that wrote the row: raw.loads (source, file, sha256, time) and raw.tracker_games hold its file lineage.';
comment on column raw.tracker_shifts.load_id is 'The load that wrote the row: raw.loads (source, file, sha256, time) and raw.tracker_games hold its file lineage.';
comment on column raw.tracker_shift_slots.load_id is 'The load that wrote the row: raw.loads (source, file, sha256, time) and raw.tracker_games hold its file lineage.';
