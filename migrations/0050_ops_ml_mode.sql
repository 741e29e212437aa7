-- Mode `ml`: a run (or a schedule) that only trains the models whose input changed (all of them
-- with options.retrain) and refreshes the ML views, without a dbt build.
alter table ops.runs drop constraint runs_mode_check;
alter table ops.runs add constraint runs_mode_check
    check (mode in ('full', 'incremental', 'single', 'test', 'ml'));
alter table ops.schedules drop constraint schedules_mode_check;
alter table ops.schedules add constraint schedules_mode_check
    check (mode in ('full', 'incremental', 'single', 'test', 'ml'));
