-- What each workbook table held when a build last covered it, so an incremental run sees edits
-- of the workbook rows (a newly loaded workbook, the staging or games API) and not only new
-- tracker files: a digest of the table's data per game for the tables keyed by game (schedule,
-- game rosters), and one for the whole table otherwise.
create table ops.workbook_builds (
    table_name text not null,
    game_id text not null default '',
    digest text not null,
    run_id bigint references ops.runs (run_id) on delete set null,
    built_at timestamptz not null default now(),
    primary key (table_name, game_id)
);
comment on table ops.workbook_builds is
    'Per workbook table (and per game for the game-keyed ones; game_id '''' = the whole table), the digest of its data rows at the last build that covered it.';
