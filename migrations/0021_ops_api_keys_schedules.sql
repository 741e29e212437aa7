-- API keys (stored as a SHA-256 of the secret, never the secret) and periodic builds.

create table ops.api_keys (
    key_id bigint generated always as identity primary key,
    prefix text not null unique,
    secret_sha256 text not null,
    name text not null default '',
    scopes text[] not null check (scopes <@ array['read', 'run', 'admin']::text[] and cardinality(scopes) > 0),
    created_at timestamptz not null default now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
comment on table ops.api_keys is
    'API keys: the public prefix identifies the key, the SHA-256 of the whole key proves it. Keys are random 32-byte secrets, so a plain hash is enough (no password stretching needed).';

create table ops.schedules (
    name text primary key check (name ~ '^[a-z0-9_-]{1,64}$'),
    cron text not null,
    enabled boolean not null default true,
    mode text not null default 'full' check (mode in ('full', 'incremental', 'single', 'test')),
    request jsonb not null default '{}',
    updated_at timestamptz not null default now(),
    last_run_id bigint references ops.runs (run_id) on delete set null,
    last_triggered_at timestamptz
);
comment on table ops.schedules is
    'Periodic builds. One Procrastinate periodic task ticks every minute and triggers the schedules whose cron is due.';

insert into ops.schedules (name, cron, enabled, mode, request)
values ('nightly', '0 3 * * *', false, 'full', '{"options": {"validate": true}}');
