-- Pipeline runs and everything a run records while it happens: its dbt nodes, its log lines.
-- The worker writes these rows as events arrive, so a run's state survives the worker, and the
-- API reads them without asking any process.

create table ops.runs (
    run_id bigint generated always as identity primary key,
    kind text not null default 'etl' check (kind in ('etl', 'upload')),
    status text not null default 'queued'
        check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelling', 'cancelled')),
    mode text not null check (mode in ('full', 'incremental', 'single', 'test')),
    source text not null default 'staging' check (source in ('excel', 'staging')),
    request jsonb not null default '{}',
    selection jsonb not null default '{}',
    idempotency_key text unique,
    retry_of bigint references ops.runs (run_id),
    retry_from text check (retry_from in ('failure', 'start')),
    schedule_name text,
    api_key_id bigint,
    job_id bigint,
    attempts integer not null default 0,
    worker text,
    dbt_pid integer,
    artifacts_dir text,
    created_at timestamptz not null default now(),
    started_at timestamptz,
    completed_at timestamptz,
    heartbeat_at timestamptz,
    cancel_requested_at timestamptz,
    progress numeric(5, 1) not null default 0,
    current_step text,
    current_node text,
    nodes_total integer not null default 0,
    nodes_done integer not null default 0,
    nodes_failed integer not null default 0,
    nodes_skipped integer not null default 0,
    rows_loaded bigint not null default 0,
    tables_created integer not null default 0,
    tests_passed integer not null default 0,
    tests_failed integer not null default 0,
    errors jsonb not null default '[]',
    summary jsonb not null default '{}'
);
create index runs_created_idx on ops.runs (run_id desc);
create index runs_status_idx on ops.runs (status, run_id desc);
create index runs_mode_idx on ops.runs (mode, run_id desc);
create index runs_created_at_idx on ops.runs (created_at desc);
create index runs_active_idx on ops.runs (status) where status in ('queued', 'running', 'cancelling');
comment on table ops.runs is
    'One row per queued pipeline job (load -> dbt build -> summary): request, resolved selection, live progress, outcome.';
comment on column ops.runs.heartbeat_at is
    'Written every second by the worker running it; a running run whose heartbeat stops is a dead worker''s run.';
comment on column ops.runs.dbt_pid is 'Process id (and process group) of the dbt subprocess, to stop it when its worker died.';

create table ops.run_nodes (
    run_id bigint not null references ops.runs (run_id) on delete cascade,
    unique_id text not null,
    name text not null,
    resource_type text not null,
    status text not null,
    seconds numeric,
    rows_affected bigint,
    message text,
    started_at timestamptz,
    completed_at timestamptz,
    seq integer not null,
    primary key (run_id, unique_id)
);
comment on table ops.run_nodes is 'One row per dbt node a run started or finished: the run''s steps.';

create table ops.run_logs (
    log_id bigint generated always as identity primary key,
    run_id bigint not null references ops.runs (run_id) on delete cascade,
    ts timestamptz not null default clock_timestamp(),
    level text not null,
    event text not null,
    node text,
    message text not null
);
create index run_logs_run_idx on ops.run_logs (run_id, log_id);
comment on table ops.run_logs is 'Structured log lines of a run (dbt''s JSON events and the worker''s own), in order.';

create table ops.workers (
    worker text primary key,
    hostname text not null,
    pid integer not null,
    started_at timestamptz not null default now(),
    heartbeat_at timestamptz not null default now()
);
comment on table ops.workers is 'Workers alive (heartbeat every few seconds); rows of stopped workers are removed.';

create table ops.game_builds (
    game_id integer primary key,
    source_sha256 text,
    run_id bigint references ops.runs (run_id) on delete set null,
    built_at timestamptz not null default now()
);
comment on table ops.game_builds is
    'Per game, the tracking file hash its last successful build used: incremental mode rebuilds games whose hash changed.';
