"""What a worker does with one run: load (when asked), dbt, summary, all recorded as it happens.

Runs in a worker thread with plain (sync) psycopg connections: one records the run's events in
the order dbt emits them (through the store's `RunWriter`), another beats the heartbeat every
second and LISTENs for the API's cancel, so a long node never delays either.

Cancel, fast: the heartbeat connection wakes on the cancel NOTIFY (not on its next beat); dbt's
process group gets SIGINT, and at once every query of the run (found by the application_name its
sessions carry) gets pg_cancel_backend. dbt handles SIGINT only between Python bytecodes: a thread
blocked in a long query would hold the interrupt back until the query returned (and past the grace
period the SIGKILL would leave the backend running the query on its own). Cancelling the queries
unblocks dbt at once; SIGKILL after the grace period and pg_terminate_backend stay as fallbacks.

Failure handling:
- a model or test failing is the run's outcome (`failed`), never retried;
- a lost database connection is transient: the run goes back to `queued` and the exception
  reaches Procrastinate, whose retry strategy runs the job again with backoff;
- a worker that dies leaves a run whose heartbeat stops; `reap_stalled_runs` (every worker runs
  it) marks it failed, stops the orphaned dbt process group and its database sessions, and
  releases the Procrastinate job so the queue moves on.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from api.runs.changes import NOTHING, Changes, game_grained_reads, what_changed, workbook_digests
from api.runs.sources import SourceError, load_excel_sources
from api.runs.store import Claimed, RunStatus, RunWriter, channel, reap_stalled
from api.settings import ApiSettings
from benchsight.db import connection_env
from dbt_project.commands import DbtCommand, dbt_environment
from dbt_project.runner import (
    DbtOutcome,
    Listener,
    LogLine,
    NodeResult,
    Progress,
    kill_process_group,
    run_dbt,
)
from dbt_project.selection import (
    GAME_IDS_VAR,
    ManifestIndex,
    Selection,
)

MODEL_TYPES = ("model", "seed", "snapshot")
TEST_TYPES = ("test", "unit_test")
# How often the heartbeat looks up from its LISTEN to see whether the run has ended.
STOP_POLL_SECONDS = 0.1


def application_name(run_id: int) -> str:
    return f"benchsight-run-{run_id}"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class RunCancelled(Exception):
    """The run was cancelled before dbt started."""


@dataclass
class RunRecorder(Listener):
    """Writes a run's progress, nodes and log lines as dbt reports them."""

    writer: RunWriter
    url: str
    seq: int = 0
    seen: dict[str, int] = field(default_factory=dict)

    def log(self, level: str, event: str, message: str, node: str | None = None) -> None:
        self.writer.log(level, event, message, node)
        self.writer.notify()

    def step(self, words: str) -> None:
        self.writer.step(words)
        self.log("info", "step", words)

    # Listener
    def on_start(self, pid: int) -> None:
        self.writer.set_dbt_pid(pid)

    def on_interrupt(self) -> None:
        # Called from the runner's stopper thread: a connection of its own.
        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
            signal_backends(conn, self.writer.run_id, "pg_cancel_backend")

    def on_progress(self, progress: Progress) -> None:
        self.writer.progress(
            progress.percent,
            progress.total,
            progress.done,
            progress.failed,
            progress.skipped,
            progress.current_node,
        )
        self.writer.notify()

    def on_node_started(self, unique_id: str, name: str, resource_type: str) -> None:
        self._upsert(NodeResult(unique_id, name or unique_id, resource_type or "", "running"))

    def on_node_finished(self, node: NodeResult) -> None:
        self._upsert(node)
        self.writer.notify()

    def on_log(self, line: LogLine) -> None:
        self.writer.log(line.level, line.event, line.message, line.node, line.ts)

    def _upsert(self, node: NodeResult) -> None:
        if node.unique_id not in self.seen:
            self.seq += 1
            self.seen[node.unique_id] = self.seq
        self.writer.node(
            self.seen[node.unique_id],
            node.unique_id,
            node.name,
            node.resource_type,
            node.status,
            node.seconds,
            node.rows_affected,
            node.message,
            _utc(node.started_at),
            _utc(node.completed_at),
        )


class Heartbeat:
    """Every `interval` seconds prove the run is alive; between beats, LISTEN for a cancel."""

    def __init__(self, url: str, run_id: int, interval: float, cancel: threading.Event):
        self.url = url
        self.run_id = run_id
        self.interval = interval
        self.cancel = cancel
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{run_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)

    def _beat(self) -> None:
        conn = None
        while not self.stop.is_set():
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
                    conn.execute(f'listen "{channel(self.run_id)}"')
                if RunWriter(conn, self.run_id).beat():
                    self.cancel.set()
                self._until_next_beat(conn)
            except psycopg.OperationalError:
                conn = None  # the database is away; keep trying, the run's own writes will fail too
                self.stop.wait(self.interval)
        if conn is not None:
            conn.close()

    def _until_next_beat(self, conn: psycopg.Connection) -> None:
        """Wait out the interval; a cancel NOTIFY ends the wait early (the next beat reads it)."""
        deadline = time.monotonic() + self.interval
        while not self.stop.is_set() and (left := deadline - time.monotonic()) > 0:
            for note in conn.notifies(timeout=min(left, STOP_POLL_SECONDS), stop_after=1):
                if note.payload == "cancel":
                    return


def execute_run(settings: ApiSettings, run_id: int) -> str:
    """Run one queued run to its end; returns its final status ('skipped' when it was not queued)."""
    url = settings.database_url
    with psycopg.connect(url, autocommit=True) as conn:
        writer = RunWriter(conn, run_id)
        claimed = writer.claim(worker_name())
        if claimed is None:
            return "skipped"
        recorder = RunRecorder(writer, url)
        recorder.log("info", "claimed", f"run {run_id} picked up by worker {worker_name()}")
        cancel = threading.Event()
        started = time.monotonic()

        extra: dict = {}
        build = BuildState()

        def finish(status: RunStatus, outcome: DbtOutcome | None = None, errors=()) -> str:
            seconds = time.monotonic() - started
            _finish(recorder, status, outcome, seconds, list(errors), claimed.mode == "test", extra)
            return status

        with Heartbeat(url, run_id, settings.heartbeat_seconds, cancel):
            try:
                outcome, games = _execute(settings, recorder, claimed, cancel, build)
                if build.changed is not None:
                    extra["changed"] = build.changed
                if outcome is not None and outcome.status == RunStatus.SUCCEEDED:
                    extra |= _after_build(settings, recorder, claimed, outcome)
                    extra |= _lineage(settings, recorder, claimed)
                ml_error = _ml_step(settings, recorder, claimed, outcome, extra)
            except SourceError as exc:
                recorder.log("error", "load", str(exc))
                return finish(RunStatus.FAILED, errors=[{"node": None, "message": str(exc)}])
            except RunCancelled:
                return finish(RunStatus.CANCELLED)
            except PublishError as exc:
                recorder.log("error", "publish", str(exc))
                return finish(RunStatus.FAILED, outcome, [{"node": None, "message": str(exc)}])
            except psycopg.OperationalError:
                raise
            except (
                Exception
            ) as exc:  # a bug or an environment problem: the run must not stay running
                finish(
                    RunStatus.FAILED,
                    errors=[{"node": None, "message": f"{type(exc).__name__}: {exc}"}],
                )
                raise
        if outcome is None:
            return finish(RunStatus.FAILED if ml_error else RunStatus.SUCCEEDED, errors=ml_error)
        status = RunStatus(outcome.status)
        if status == RunStatus.CANCELLED:
            stop_backends(conn, run_id)
        if status == RunStatus.SUCCEEDED and claimed.mode != "test":
            writer.record_game_builds(games)
            if build.digests is not None and not claimed.request.get("tables"):
                writer.record_workbook_builds(build.digests)
            if ml_error:  # the marts are built (recorded above); the models are not current
                return finish(RunStatus.FAILED, outcome, ml_error)
        return finish(status, outcome, outcome.errors)


@dataclass
class BuildState:
    """What a run learns before dbt that is recorded after it: the workbook's digests (a full or
    incremental build) and what an incremental run found changed."""

    digests: dict[tuple[str, str], str] | None = None
    changed: dict | None = None


def _changes(settings: ApiSettings, writer: RunWriter, claimed: Claimed, digests: dict) -> Changes:
    from api.runs.service import manifest_index

    return what_changed(
        writer.changed_games(),
        digests,
        writer.recorded_workbook_digests(),
        writer.tracked_games(),
        functools.cache(lambda: game_grained_reads(manifest_index(settings))),
        set(claimed.request.get("exclude_game_ids") or ()),
    )


def _execute(
    settings: ApiSettings,
    recorder: RunRecorder,
    claimed: Claimed,
    cancel: threading.Event,
    build: BuildState,
) -> tuple[DbtOutcome | None, list[int] | None]:
    writer, options = recorder.writer, claimed.options
    if claimed.mode == "ml":
        recorder.step("mode ml: no build; the ML step trains and refreshes the views")
        return None, []
    if claimed.source == "excel":
        recorder.step("loading the workbook and tracker files")
        writer.set_rows_loaded(load_excel_sources(settings, recorder.log))
    if cancel.is_set():
        raise RunCancelled
    selection = Selection.from_dict(claimed.selection)
    games: list[int] | None = list(selection.vars.get(GAME_IDS_VAR, [])) or None  # type: ignore[call-overload]
    plain_full = claimed.mode == "full" and not selection.select and not selection.vars
    if claimed.mode == "incremental" or plain_full:
        # What the workbook holds now, before dbt reads it: recorded once the build succeeds.
        build.digests = workbook_digests(writer.conn)
    if claimed.mode == "incremental":
        # What changed is a fact of the moment the build starts, not of the request.
        changes = _changes(settings, writer, claimed, build.digests)
        build.changed = changes.summary()
        if changes.nothing:
            recorder.step(f"nothing to build: {NOTHING}")
            return None, []
        recorder.log("info", "selection", "; ".join(changes.reasons))
        games = changes.games
        selection = changes.selection(selection)
        writer.set_selection(selection.as_dict())

    target = settings.runs_dir / str(writer.run_id) / "target"
    writer.set_artifacts_dir(str(target))
    extra: tuple[str, ...] = ()
    state = None
    if claimed.mode == "test":
        verb, words = "compile", "compiling the selection (dry run)"
    elif claimed.retry_from == "failure" and claimed.retry_of is not None:
        verb, words = "retry", f"retrying what failed in run {claimed.retry_of}"
        previous = writer.artifacts_dir_of(claimed.retry_of)
        state = Path(previous) if previous else None
    else:
        verb, words = "build", "running dbt build"
        if not options.get("validate", True):
            extra = ("--exclude-resource-type", "test", "unit_test")
    command = DbtCommand(
        verb,  # type: ignore[arg-type]
        select=selection.select,
        exclude=selection.exclude,
        full_refresh=bool(options.get("wipe")),
        threads=options.get("threads") or settings.base.threads,
        vars=selection.dbt_vars(),
        target_path=target,
        state=state,
        extra=extra,
    )
    if cancel.is_set():
        raise RunCancelled
    recorder.step(words)
    env = {
        **dbt_environment(connection_env(settings.database_url), application_name(writer.run_id)),
        **selection.dbt_env(),
    }
    outcome = run_dbt(
        command, settings.project_dir, env, recorder, cancel, settings.cancel_grace_seconds
    )
    return outcome, games


class PublishError(RuntimeError):
    """Publishing or writing the schema file after a good build failed; the run fails with it."""


def _after_build(
    settings: ApiSettings, recorder: RunRecorder, claimed: Claimed, outcome: DbtOutcome
) -> dict:
    """The options that act on what a good build made: `upload_to_supabase` publishes the
    published tables it built, `regenerate_schema` writes the schema file. Returns the run
    summary's `publish` / `schema` entries."""
    options = claimed.options
    if claimed.mode == "test" or not (
        options.get("upload_to_supabase") or options.get("regenerate_schema")
    ):
        return {}
    from api.upload.publish import publish, published_models
    from api.upload.schema import write_schema

    manifest = Path(recorder.writer.artifacts_dir_of(recorder.writer.run_id) or "")
    published = published_models(ManifestIndex.from_file(manifest / "manifest.json"))
    schema = settings.base.db_schema
    extra: dict = {}
    try:
        if options.get("upload_to_supabase"):
            built = {n.name for n in outcome.nodes if n.resource_type in MODEL_TYPES}
            tables = sorted(built & set(published))
            where = "the publish target" if settings.publish_url else "the warehouse (the target)"
            recorder.step(f"publishing {len(tables)} tables to {where}")
            done = publish(
                settings.database_url,
                settings.publish_url,
                schema,
                tables,
                options.get("batch_size"),
                lambda line: recorder.log("info", "publish", line),
            )
            extra["publish"] = done.summary()
            recorder.log(
                "info",
                "publish",
                f"{len(done.table_rows)} tables, {sum(done.table_rows.values())} rows"
                f" published to {done.published_to}",
            )
        if options.get("regenerate_schema"):
            recorder.step("writing the schema file")
            with psycopg.connect(settings.database_url, autocommit=True) as conn:
                generated = write_schema(conn, schema, sorted(published), settings.schema_file)
            extra["schema"] = {
                "schema_file": str(settings.schema_file),
                "tables_generated": len(generated.tables),
            }
    except (psycopg.Error, LookupError, OSError) as exc:
        raise PublishError(f"the build succeeded but publishing failed: {exc}") from exc
    return extra


def _ml_step(
    settings: ApiSettings,
    recorder: RunRecorder,
    claimed: Claimed,
    outcome: DbtOutcome | None,
    extra: dict,
) -> list[dict]:
    """After a good build (or nothing to build): the ML step (api.ml.run_step). Returns the run's
    errors when it failed; the previous predictions stay in place."""
    if claimed.mode == "test" or (outcome is not None and outcome.status != RunStatus.SUCCEEDED):
        return []
    from api.ml.run_step import MlStepError, run_ml_step

    try:
        extra |= run_ml_step(settings, recorder, claimed)
    except MlStepError as exc:
        recorder.log("error", "ml", str(exc))
        extra["ml"] = {**exc.summary, "error": str(exc)}
        return [{"node": "ml", "message": str(exc)}]
    return []


def _lineage(settings: ApiSettings, recorder: RunRecorder, claimed: Claimed) -> dict:
    """The lineage site step (api.lineage.site): descriptions written as comments, the dbt docs
    site regenerated when the project or the catalog changed. Its failure is logged and kept in
    the summary; the build it follows stays a success."""
    if claimed.mode == "test" or not settings.lineage:
        return {}
    from api.lineage.site import LineageError, refresh_after_build

    run_id = recorder.writer.run_id
    artifacts = recorder.writer.artifacts_dir_of(run_id)
    recorder.step("refreshing the lineage site")
    try:
        done = refresh_after_build(
            settings,
            Path(artifacts) / "manifest.json" if artifacts else None,
            lambda line: recorder.log("info", "lineage", line),
            application_name(run_id),
        )
    except (LineageError, OSError, psycopg.Error, ValueError, TimeoutError) as exc:
        recorder.log("warning", "lineage", f"the lineage site was not refreshed: {exc}")
        return {"lineage": {"error": str(exc)}}
    return {"lineage": done.summary()}


def _finish(
    recorder: RunRecorder,
    status: RunStatus,
    outcome: DbtOutcome | None,
    seconds: float,
    errors: list,
    dry_run: bool,
    extra: dict | None = None,
) -> None:
    summary: dict = {"duration_seconds": round(seconds, 3), **(extra or {})}
    tables = passed = failed_tests = 0
    if outcome is not None and dry_run:
        # A dry run compiles: nothing was created or tested; the steps list what would run.
        summary["would_run"] = sum(1 for n in outcome.nodes if n.status == "success")
    elif outcome is not None:
        tables = outcome.count(MODEL_TYPES, ("success",))
        passed = outcome.count(TEST_TYPES, ("pass",))
        failed_tests = outcome.count(TEST_TYPES, ("fail", "error"))
        summary |= {
            "dbt_seconds": outcome.seconds,
            "exit_code": outcome.exit_code,
            "stats": outcome.stats,
        }
    # The last log line before the terminal status: a client of the event stream ends at the
    # status, so a line written after it would never reach one.
    recorder.log(
        "error" if status == RunStatus.FAILED else "info",
        "finished",
        f"run {recorder.writer.run_id} {status} in {seconds:.1f} s",
    )
    recorder.writer.finish(status, tables, passed, failed_tests, errors, summary)


def signal_backends(conn: psycopg.Connection, run_id: int, function: str) -> list[int]:
    """Apply pg_cancel_backend or pg_terminate_backend to every session of the run's dbt."""
    assert function in ("pg_cancel_backend", "pg_terminate_backend")
    rows = conn.execute(
        f"select pid, {function}(pid) from pg_stat_activity"
        " where application_name = %s and pid <> pg_backend_pid()",
        [application_name(run_id)],
    ).fetchall()
    return [r[0] for r in rows]


def stop_backends(conn: psycopg.Connection, run_id: int, timeout: float = 5.0) -> int:
    """Cancel, then terminate, any database session a run's dbt left behind. Returns how many."""
    found = 0
    deadline = time.monotonic() + timeout
    while True:
        late = time.monotonic() >= deadline - timeout / 2
        pids = signal_backends(
            conn, run_id, "pg_terminate_backend" if late else "pg_cancel_backend"
        )
        if not pids:
            return found
        found = max(found, len(pids))
        if time.monotonic() > deadline:
            signal_backends(conn, run_id, "pg_terminate_backend")
            return found
        time.sleep(0.2)


def reap_stalled_runs(url: str, stale_after: float) -> list[int]:
    """Runs whose worker stopped beating: fail them, stop what they left running. Returns their ids."""
    me = socket.gethostname()
    with psycopg.connect(url, autocommit=True) as conn:
        rows = reap_stalled(conn, stale_after)
        for run_id, dbt_pid, worker in rows:
            if dbt_pid and worker and worker.split(":")[0] == me:
                kill_process_group(dbt_pid)
            stop_backends(conn, run_id, timeout=2.0)
            writer = RunWriter(conn, run_id)
            writer.log(
                "error",
                "reaped",
                f"worker {worker} stopped beating; run marked finished by {worker_name()}",
            )
            writer.notify("reaped")
    return [r[0] for r in rows]


def _utc(text: str | None):
    if not text:
        return None
    return text if text.endswith(("Z", "+00:00")) else text + "+00:00"
