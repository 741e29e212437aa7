-- The model registry (issue 15): every trained version of every model, its card (data window,
-- training rows, features, parameters, evaluation) and its coefficients, one active version per
-- model, old versions kept. The materialized views in schema ml (dbt, models/ml/) score with the
-- active coefficients, so a new game gets predictions without retraining. Written only by
-- benchsight/ml/registry.py.
create table ml.model_versions (
    model_name text not null,
    version integer not null check (version >= 1),
    trained_at timestamptz not null default now(),
    is_active boolean not null default false,
    data_from date,
    data_to date,
    games integer not null check (games >= 0),
    training_rows integer not null check (training_rows >= 0),
    input_digest text not null,
    features jsonb not null,
    parameters jsonb not null,
    metrics jsonb not null,
    notes text not null default '',
    run_id bigint references ops.runs (run_id) on delete set null,
    primary key (model_name, version)
);
create unique index model_versions_one_active on ml.model_versions (model_name) where is_active;
comment on table ml.model_versions is
    'Model cards: one row per trained version; is_active marks the version the views score with.';

create table ml.model_coefficients (
    model_name text not null,
    version integer not null,
    term text not null,
    value double precision not null,
    primary key (model_name, version, term),
    foreign key (model_name, version) references ml.model_versions (model_name, version)
        on delete cascade
);
comment on table ml.model_coefficients is
    'Named parameters of a model version (logistic coefficients on the raw feature scale, ratings).';

create view ml.active_coefficients as
select c.model_name, c.version, c.term, c.value
from ml.model_coefficients as c
join ml.model_versions as v using (model_name, version)
where v.is_active;
comment on view ml.active_coefficients is 'The coefficients of each model''s active version.';

-- The last training attempt per model, trained or not: what GET /api/ml/health reports.
create table ml.model_attempts (
    model_name text primary key,
    attempted_at timestamptz not null default now(),
    outcome text not null check (outcome in ('trained', 'unchanged', 'insufficient_data', 'failed')),
    reason text not null default '',
    counts jsonb not null default '{}',
    input_digest text,
    version integer,
    seconds double precision,
    run_id bigint references ops.runs (run_id) on delete set null
);
comment on table ml.model_attempts is
    'The last training attempt of each model: outcome (trained, unchanged input, insufficient data, failed), the reason and the counts it saw.';
