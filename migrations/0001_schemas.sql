-- Schemas owned by BenchSight. Published marts go to the configured schema (default public),
-- created by dbt; procrastinate's schema is installed by `benchsight db migrate` itself.
create schema if not exists raw;
create schema if not exists ops;
create schema if not exists ml;

comment on schema raw is 'Loader output, verbatim plus lineage. Owner only.';
comment on schema ops is 'Runs, run steps, logs, API keys, schedules. Owner only, never exposed.';
comment on schema ml is 'Model cards, coefficients, predictions, materialized views.';
