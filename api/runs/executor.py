"""What a worker does with one run: load (when asked), dbt, summary, all recorded as it happens.

Runs in a worker thread with plain (sync) psycopg connections: one records the run's events in
the order dbt emits them, another beats the heartbeat every second and watches for a cancel
request, so a long node never delays either.

Failure handling:
- a model or test failing is the run's outcome (`failed`), never retried;
- a lost database connection is transient: the run goes back to `queued` and the exception
  reaches Procrastinate, whose retry strategy runs the job again with backoff;
- a worker that dies leaves a run whose heartbeat stops; `reap_stalled_runs` (every worker runs
  it) marks it failed, stops the orphaned dbt process group and its database sessions, and
  releases the Procrastinate job so the queue moves on.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from api.runs.sources import SourceError, load_excel_sources
from api.settings import ApiSettings
from benchsight.db import connection_env
from dbt_project.commands import DbtCommand, dbt_environment
from dbt_project.manifest import load_index
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
    Selection,
    SelectionError,
    game_selection,
    table_selection,
)

MODEL_TYPES = ("model", "seed", "snapshot")
TEST_TYPES = ("test", "unit_test")


def application_name(run_id: int) -> str:
    return f"benchsight-run-{run_id}"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class RunCancelled(Exception):
    """The run was cancelled before dbt started."""


@dataclass
class RunRecorder(Listener):
    """Writes a run's progress, nodes and log lines as dbt reports them."""

    conn: psycopg.Connection
    run_id: int
    seq: int = 0
    seen: dict[str, int] = field(default_factory=dict)
    last_progress_write: float = 0.0

    def notify(self) -> None:
        self.conn.execute("select pg_notify(%s, 'update')", [f"ops_run_{self.run_id}"])

    def log(self, level: str, event: str, message: str, node: str | None = None) -> None:
        self.conn.execute(
            "insert into ops.run_logs (run_id, level, event, node, message) values (%s, %s, %s, %s, %s)",
            [self.run_id, level, event, node, message],
        )
        self.notify()

    def step(self, words: str) -> None:
        self.conn.execute(
            "update ops.runs set current_step = %s where run_id = %s", [words, self.run_id]
        )
        self.log("info", "step", words)

    # Listener
    def on_start(self, pid: int) -> None:
        self.conn.execute("update ops.runs set dbt_pid = %s where run_id = %s", [pid, self.run_id])

    def on_progress(self, progress: Progress) -> None:
        self.conn.execute(
            """
            update ops.runs set progress = %s, nodes_total = %s, nodes_done = %s, nodes_failed = %s,
                nodes_skipped = %s, current_node = %s,
                current_step = case when %s::text is null then current_step else 'building ' || %s::text end
            where run_id = %s
            """,
            [
                progress.percent,
                progress.total,
                progress.done,
                progress.failed,
                progress.skipped,
                progress.current_node,
                progress.current_node,
                progress.current_node,
                self.run_id,
            ],
        )
        self.notify()

    def on_node_started(self, unique_id: str, name: str, resource_type: str) -> None:
        self._upsert(NodeResult(unique_id, name or unique_id, resource_type or "", "running"))

    def on_node_finished(self, node: NodeResult) -> None:
        self._upsert(node)
        self.notify()

    def on_log(self, line: LogLine) -> None:
        self.conn.execute(
            "insert into ops.run_logs (run_id, ts, level, event, node, message) values (%s, %s, %s, %s, %s, %s)",
            [self.run_id, line.ts, line.level, line.event, line.node, line.message],
        )

    def _upsert(self, node: NodeResult) -> None:
        if node.unique_id not in self.seen:
            self.seq += 1
            self.seen[node.unique_id] = self.seq
        self.conn.execute(
            """
            insert into ops.run_nodes (run_id, unique_id, name, resource_type, status, seconds, rows_affected,
                                       message, started_at, completed_at, seq)
            values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            on conflict (run_id, unique_id) do update set status = excluded.status, seconds = excluded.seconds,
                rows_affected = excluded.rows_affected, message = excluded.message,
                started_at = coalesce(excluded.started_at, ops.run_nodes.started_at),
                completed_at = excluded.completed_at, name = excluded.name
            """,
            [
                self.run_id,
                node.unique_id,
                node.name,
                node.resource_type,
                node.status,
                node.seconds,
                node.rows_affected,
                node.message,
                _utc(node.started_at),
                _utc(node.completed_at),
                self.seen[node.unique_id],
            ],
        )


class Heartbeat:
    """Every `interval` seconds: prove the run is alive, and notice a cancel request."""

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
                row = conn.execute(
                    "update ops.runs set heartbeat_at = now() where run_id = %s returning cancel_requested_at",
                    [self.run_id],
                ).fetchone()
                if row and row[0] is not None:
                    self.cancel.set()
            except psycopg.OperationalError:
                conn = None  # the database is away; keep trying, the run's own writes will fail too
            self.stop.wait(self.interval)
        if conn is not None:
            conn.close()


def execute_run(settings: ApiSettings, run_id: int) -> str:
    """Run one queued run to its end; returns its final status ('skipped' when it was not queued)."""
    url = settings.database_url
    with psycopg.connect(url, autocommit=True) as conn:
        claimed = conn.execute(
            """
            update ops.runs set status = 'running', started_at = coalesce(started_at, now()), heartbeat_at = now(),
                worker = %s, attempts = attempts + 1, current_step = 'starting', completed_at = null
            where run_id = %s and status = 'queued'
            returning mode, source, request, selection, retry_of, retry_from
            """,
            [worker_name(), run_id],
        ).fetchone()
        if claimed is None:
            return "skipped"
        mode, source, request, selection_json, retry_of, retry_from = claimed
        recorder = RunRecorder(conn, run_id)
        recorder.log("info", "claimed", f"run {run_id} picked up by worker {worker_name()}")
        cancel = threading.Event()
        started = time.monotonic()
        with Heartbeat(url, run_id, settings.heartbeat_seconds, cancel):
            try:
                outcome, games = _execute(
                    settings,
                    conn,
                    recorder,
                    run_id,
                    mode,
                    source,
                    request,
                    selection_json,
                    retry_of,
                    retry_from,
                    cancel,
                )
            except SourceError as exc:
                recorder.log("error", "load", str(exc))
                _finish(
                    conn,
                    recorder,
                    run_id,
                    "failed",
                    None,
                    time.monotonic() - started,
                    [{"node": None, "message": str(exc)}],
                )
                return "failed"
            except RunCancelled:
                _finish(conn, recorder, run_id, "cancelled", None, time.monotonic() - started, [])
                return "cancelled"
            except psycopg.OperationalError:
                raise
            except (
                Exception
            ) as exc:  # a bug or an environment problem: the run must not stay running
                _finish(
                    conn,
                    recorder,
                    run_id,
                    "failed",
                    None,
                    time.monotonic() - started,
                    [{"node": None, "message": f"{type(exc).__name__}: {exc}"}],
                )
                raise
        if outcome is None:
            _finish(conn, recorder, run_id, "succeeded", None, time.monotonic() - started, [])
            return "succeeded"
        if outcome.status == "cancelled":
            stop_backends(conn, run_id)
        if outcome.status == "succeeded" and mode != "test":
            _record_game_builds(conn, run_id, games)
        _finish(
            conn,
            recorder,
            run_id,
            outcome.status,
            outcome,
            time.monotonic() - started,
            outcome.errors,
            dry_run=mode == "test",
        )
        return outcome.status


def _execute(
    settings,
    conn,
    recorder,
    run_id,
    mode,
    source,
    request,
    selection_json,
    retry_of,
    retry_from,
    cancel,
):
    options = request.get("options") or {}
    rows_loaded = 0
    if source == "excel":
        recorder.step("loading the workbook and tracker files")
        rows_loaded = load_excel_sources(settings, recorder.log)
        conn.execute(
            "update ops.runs set rows_loaded = %s where run_id = %s", [rows_loaded, run_id]
        )
    if cancel.is_set():
        raise RunCancelled
    if (
        not selection_json
        and (request.get("tables") or request.get("game_ids"))
        and mode != "incremental"
    ):
        # Scheduled runs are queued by the ticker without the API's validation: resolve here.
        selection_json = _resolve_selection(settings, request).as_dict()
        conn.execute(
            "update ops.runs set selection = %s where run_id = %s",
            [json.dumps(selection_json), run_id],
        )
    selection = Selection(
        select=tuple(selection_json.get("select", [])),
        exclude=tuple(selection_json.get("exclude", [])),
        vars=selection_json.get("vars", {}),
    )
    games: list[int] | None = list(selection.vars.get(GAME_IDS_VAR, [])) or None
    if mode == "incremental":
        changed = changed_games(conn)
        if not changed:
            recorder.step("nothing changed since the last successful build")
            return None, []
        recorder.log(
            "info",
            "selection",
            f"games changed since their last build: {', '.join(map(str, changed))}",
        )
        try:
            game_part = game_selection(changed)
        except SelectionError as exc:
            recorder.log("warning", "selection", str(exc))
            return None, []
        games = changed
        select = (
            tuple(f"{g},{t}" for g in game_part.select for t in selection.select)
            or game_part.select
        )
        selection = Selection(select=select, exclude=selection.exclude, vars=game_part.vars)
        conn.execute(
            "update ops.runs set selection = %s where run_id = %s",
            [json.dumps(selection.as_dict()), run_id],
        )

    target = settings.runs_dir / str(run_id) / "target"
    conn.execute("update ops.runs set artifacts_dir = %s where run_id = %s", [str(target), run_id])
    extra: tuple[str, ...] = ()
    if mode == "test":
        verb, words = "compile", "compiling the selection (dry run)"
    elif retry_from == "failure":
        verb, words = "retry", f"retrying what failed in run {retry_of}"
    else:
        verb, words = "build", "running dbt build"
        if not options.get("validate", True):
            extra = ("--exclude-resource-type", "test", "unit_test")
    state = None
    if verb == "retry":
        previous = conn.execute(
            "select artifacts_dir from ops.runs where run_id = %s", [retry_of]
        ).fetchone()
        state = Path(previous[0]) if previous and previous[0] else None
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
        **dbt_environment(connection_env(settings.database_url), application_name(run_id)),
        **selection.dbt_env(),
    }
    outcome = run_dbt(
        command, settings.project_dir, env, recorder, cancel, settings.cancel_grace_seconds
    )
    return outcome, games


def _resolve_selection(settings: ApiSettings, request: dict) -> Selection:
    base = (
        game_selection(request.get("game_ids") or [], request.get("exclude_game_ids") or [])
        if request.get("game_ids")
        else None
    )
    env = dbt_environment(connection_env(settings.database_url))
    index = load_index(settings.project_dir, settings.manifest_cache_dir, env)
    return table_selection(
        index, request.get("tables") or [], request.get("exclude_tables") or [], base
    )


def _finish(
    conn,
    recorder: RunRecorder,
    run_id: int,
    status: str,
    outcome: DbtOutcome | None,
    seconds: float,
    errors,
    dry_run: bool = False,
) -> None:
    if outcome is not None and dry_run:
        # A dry run compiles: nothing was created or tested; the steps list what would run.
        tables = passed = failed_tests = 0
        summary = {
            "duration_seconds": round(seconds, 3),
            "would_run": sum(1 for n in outcome.nodes if n.status == "success"),
        }
    elif outcome is not None:
        tables = outcome.count(MODEL_TYPES, ("success",))
        passed = outcome.count(TEST_TYPES, ("pass",))
        failed_tests = outcome.count(TEST_TYPES, ("fail", "error"))
        summary = {
            "duration_seconds": round(seconds, 3),
            "dbt_seconds": outcome.seconds,
            "exit_code": outcome.exit_code,
            "stats": outcome.stats,
        }
    else:
        tables = passed = failed_tests = 0
        summary = {"duration_seconds": round(seconds, 3)}
    words = {"succeeded": "finished", "failed": "failed", "cancelled": "cancelled"}[status]
    conn.execute(
        """
        update ops.runs set status = %s, completed_at = now(), current_step = %s, current_node = null,
            progress = case when %s = 'succeeded' then 100 else progress end,
            tables_created = %s, tests_passed = %s, tests_failed = %s, errors = %s, summary = %s, dbt_pid = null
        where run_id = %s
        """,
        [
            status,
            words,
            status,
            tables,
            passed,
            failed_tests,
            json.dumps(errors),
            json.dumps(summary),
            run_id,
        ],
    )
    recorder.log(
        "error" if status == "failed" else "info",
        "finished",
        f"run {run_id} {status} in {seconds:.1f} s",
    )


def changed_games(conn) -> list[int]:
    """Tracked games whose chosen file differs from the one their last successful build used."""
    exists = conn.execute("select to_regclass('raw.tracker_games') is not null").fetchone()[0]
    if not exists:
        return []
    rows = conn.execute(
        """
        select g.game_id from raw.tracker_games g left join ops.game_builds b on b.game_id = g.game_id
        where b.source_sha256 is distinct from g.file_sha256 order by g.game_id
        """
    ).fetchall()
    return [r[0] for r in rows]


def _record_game_builds(conn, run_id: int, games: list[int] | None) -> None:
    exists = conn.execute("select to_regclass('raw.tracker_games') is not null").fetchone()[0]
    if not exists:
        return
    conn.execute(
        """
        insert into ops.game_builds (game_id, source_sha256, run_id, built_at)
        select game_id, file_sha256, %s, now() from raw.tracker_games
        where %s::int[] is null or game_id = any(%s::int[])
        on conflict (game_id) do update set source_sha256 = excluded.source_sha256, run_id = excluded.run_id,
            built_at = excluded.built_at
        """,
        [run_id, games, games],
    )


def stop_backends(conn, run_id: int, timeout: float = 5.0) -> int:
    """Cancel, then terminate, any database session a run's dbt left behind. Returns how many."""
    name = application_name(run_id)
    found = 0
    deadline = time.monotonic() + timeout
    while True:
        pids = [
            r[0]
            for r in conn.execute(
                "select pid from pg_stat_activity where application_name = %s and pid <> pg_backend_pid()",
                [name],
            ).fetchall()
        ]
        if not pids:
            return found
        found = max(found, len(pids))
        cancel_first = time.monotonic() < deadline - timeout / 2
        function = "pg_cancel_backend" if cancel_first else "pg_terminate_backend"
        conn.execute(f"select {function}(pid) from unnest(%s::int[]) pid", [pids])
        if time.monotonic() > deadline:
            conn.execute("select pg_terminate_backend(pid) from unnest(%s::int[]) pid", [pids])
            return found
        time.sleep(0.2)


def reap_stalled_runs(url: str, stale_after: float) -> list[int]:
    """Runs whose worker stopped beating: fail them, stop what they left running. Returns their ids."""
    me = socket.gethostname()
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            """
            update ops.runs set
                status = case when status = 'cancelling' then 'cancelled' else 'failed' end,
                completed_at = now(), current_node = null,
                current_step = 'the worker running this build stopped',
                errors = errors || jsonb_build_array(jsonb_build_object('node', null, 'message',
                    'the worker running this build stopped (no heartbeat for ' || %s || ' s); queue it again to rebuild'))
            where status in ('running', 'cancelling') and heartbeat_at < now() - make_interval(secs => %s)
            returning run_id, dbt_pid, worker
            """,
            [int(stale_after), stale_after],
        ).fetchall()
        for run_id, dbt_pid, worker in rows:
            if dbt_pid and worker and worker.split(":")[0] == me:
                kill_process_group(dbt_pid)
            stop_backends(conn, run_id, timeout=2.0)
            conn.execute(
                "insert into ops.run_logs (run_id, level, event, message) values (%s, 'error', 'reaped', %s)",
                [
                    run_id,
                    f"worker {worker} stopped beating; run marked finished by {worker_name()}",
                ],
            )
            conn.execute("select pg_notify(%s, 'reaped')", [f"ops_run_{run_id}"])
    return [r[0] for r in rows]


def _utc(text: str | None):
    if not text:
        return None
    return text if text.endswith(("Z", "+00:00")) else text + "+00:00"
