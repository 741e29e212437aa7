"""The one home of run state: every statement on ops.runs, ops.run_nodes, ops.run_logs and
ops.game_builds, and the run status vocabulary.

Procrastinate keeps its job state behind one JobManager with its SQL in one place; runs get the
same. The API, the worker, the schedule ticker and the health check ask this module, so a status
name, a column or a transition rule is written once (tests/test_architecture.py keeps it so).
Run nodes, run logs and game builds live here too: they are written only next to a run (a claimed
run's recorder, a finished run's games) and read next to it.

Two faces, because the two sides hold different connections: `RunStore` for the API (async, on
the connection pool), `RunWriter` for the worker thread that runs one build (a sync connection,
statements in the order dbt reports events). `reap_stalled_runs` and `requeue_after_lost_connection`
serve the worker's housekeeping on a connection of their own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import psycopg
from psycopg.rows import dict_row


class RunStatus(StrEnum):
    """A run's life: queued -> running -> succeeded | failed | cancelled (via cancelling)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"


class SeedStatus(StrEnum):
    """The seed reference's job vocabulary, which its clients (the portal's polling) compare to."""

    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


# The one mapping between the two vocabularies: the seed paths (/api/etl/trigger|status|history|
# cancel, /api/upload/...) answer SEED_STATUS[status]; the project's paths answer RunStatus.
# `cancelling` is the one state the seed has no word for: the job still runs until dbt has
# stopped, so it shows as `running` (and `run_status` beside it says `cancelling`).
SEED_STATUS: dict[RunStatus, SeedStatus] = {
    RunStatus.QUEUED: SeedStatus.PENDING,
    RunStatus.RUNNING: SeedStatus.RUNNING,
    RunStatus.CANCELLING: SeedStatus.RUNNING,
    RunStatus.SUCCEEDED: SeedStatus.COMPLETED,
    RunStatus.FAILED: SeedStatus.FAILED,
    RunStatus.CANCELLED: SeedStatus.CANCELLED,
}


def statuses_named(word: str) -> list[RunStatus]:
    """The run statuses a status word of either vocabulary covers; a seed word first, so the
    seed's `running` includes cancelling."""
    covered = [status for status, seed in SEED_STATUS.items() if seed == word]
    return covered or [RunStatus(word)]


TERMINAL = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED})
ACTIVE = frozenset({RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.CANCELLING})

# Serialises the "is a build active?" check with the insert across API processes.
CREATE_LOCK_KEY = 0x42_53_54_52  # "BSTR"
RUN_COLUMNS = """
    run_id, status, mode, source, created_at, started_at, completed_at, progress, current_step,
    current_node, nodes_total, nodes_done, nodes_failed, nodes_skipped, tables_created, rows_loaded,
    tests_passed, tests_failed, errors, summary, selection, retry_of, schedule_name,
    cancel_requested_at
"""
FINISHED_WORDS = {
    RunStatus.SUCCEEDED: "finished",
    RunStatus.FAILED: "failed",
    RunStatus.CANCELLED: "cancelled",
}


def channel(run_id: int) -> str:
    """The NOTIFY channel of one run: the worker says something was recorded, the API says cancel."""
    return f"ops_run_{int(run_id)}"


class RunsBusy(Exception):
    """A build is active and the caller asked not to queue behind it."""

    def __init__(self, active: list[tuple[int, str]]):
        super().__init__(f"a build is already {active[0][1]} (run {active[0][0]})")
        self.active = active


@dataclass(frozen=True)
class NewRun:
    """What a validated request becomes in ops.runs."""

    mode: str
    source: str
    request: dict
    selection: dict
    idempotency_key: str | None = None
    retry_of: int | None = None
    retry_from: str | None = None
    schedule_name: str | None = None
    api_key_id: int | None = None


@dataclass(frozen=True)
class RetrySource:
    status: RunStatus
    request: dict
    artifacts_dir: str | None
    selection: dict


@dataclass(frozen=True)
class Claimed:
    """A queued run the worker took: what it must do."""

    mode: str
    source: str
    request: dict
    selection: dict
    retry_of: int | None
    retry_from: str | None

    @property
    def options(self) -> dict:
        return self.request.get("options") or {}


@dataclass(frozen=True)
class Filters:
    """History filters; every one optional."""

    statuses: Sequence[str] = ()
    mode: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_run_id: int | None = None

    def where(self) -> tuple[str, list]:
        conditions = [
            ("status = any(%s)", list(self.statuses) or None),
            ("mode = %s", self.mode),
            ("created_at >= %s", self.since),
            ("created_at < %s", self.until),
            ("run_id < %s", self.before_run_id),
        ]
        used = [(sql, value) for sql, value in conditions if value is not None]
        where = ("where " + " and ".join(sql for sql, _ in used)) if used else ""
        return where, [value for _, value in used]


class RunStore:
    """The API's reads and writes of runs, each on a connection of the pool."""

    def __init__(self, pool):
        self.pool = pool

    async def _one(self, query: str, params: Sequence) -> dict | None:
        async with self.pool.connection() as conn:
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(query, params)
            return await cursor.fetchone()

    async def get(self, run_id: int) -> dict | None:
        return await self._one(f"select {RUN_COLUMNS} from ops.runs where run_id = %s", [run_id])

    async def by_idempotency_key(self, key: str) -> dict | None:
        return await self._one(
            f"select {RUN_COLUMNS} from ops.runs where idempotency_key = %s", [key]
        )

    async def exists(self, run_id: int) -> bool:
        return (
            await self._one("select 1 as found from ops.runs where run_id = %s", [run_id])
            is not None
        )

    async def insert(self, run: NewRun, reject_if_busy: bool) -> dict | None:
        """The new run's row, or None when its idempotency key was taken meanwhile."""
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute("select pg_advisory_xact_lock(%s)", [CREATE_LOCK_KEY])
            if reject_if_busy:
                busy = await (
                    await conn.execute(
                        "select run_id, status from ops.runs where status = any(%s) order by run_id",
                        [sorted(ACTIVE)],
                    )
                ).fetchall()
                if busy:
                    raise RunsBusy([(r[0], r[1]) for r in busy])
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(
                f"""
                insert into ops.runs (mode, source, request, selection, idempotency_key, retry_of,
                                      retry_from, schedule_name, api_key_id, current_step)
                values (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'queued')
                on conflict (idempotency_key) do nothing
                returning {RUN_COLUMNS}
                """,
                [
                    run.mode,
                    run.source,
                    json.dumps(run.request),
                    json.dumps(run.selection),
                    run.idempotency_key,
                    run.retry_of,
                    run.retry_from,
                    run.schedule_name,
                    run.api_key_id,
                ],
            )
            return await cursor.fetchone()

    async def next_to_start(self, run_id: int, stale_after: float) -> bool:
        """No build is ahead of the run and a worker is alive to pick it up."""
        row = await self._one(
            """
            select not exists (select 1 from ops.runs where status = any(%s) and run_id < %s)
                and exists (select 1 from ops.workers
                            where heartbeat_at > now() - make_interval(secs => %s)) as next
            """,
            [sorted(ACTIVE), run_id, stale_after],
        )
        return bool(row and row["next"])

    async def set_job(self, run_id: int, job_id: int) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(
                "update ops.runs set job_id = %s where run_id = %s", [job_id, run_id]
            )

    async def fail_unqueued(self, run_id: int, message: str) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(
                "update ops.runs set status = 'failed', completed_at = now(),"
                " current_step = 'not queued', errors = %s where run_id = %s",
                [json.dumps([{"node": None, "message": message}]), run_id],
            )

    async def history(self, filters: Filters, limit: int) -> list[dict]:
        where, params = filters.where()
        async with self.pool.connection() as conn:
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(
                f"select {RUN_COLUMNS} from ops.runs {where} order by run_id desc limit %s",
                [*params, limit],
            )
            return await cursor.fetchall()

    async def logs(self, run_id: int, after: int, limit: int) -> list[tuple]:
        async with self.pool.connection() as conn:
            return await logs_after(conn, run_id, after, limit)

    async def steps(self, run_id: int) -> list[tuple]:
        async with self.pool.connection() as conn:
            return await (
                await conn.execute(
                    "select unique_id, name, resource_type, status, seconds::float8, rows_affected,"
                    " message, started_at, completed_at from ops.run_nodes where run_id = %s order by seq",
                    [run_id],
                )
            ).fetchall()

    async def artifacts_dir(self, run_id: int) -> tuple[bool, str | None]:
        """(the run exists, its artifacts folder)."""
        row = await self._one("select artifacts_dir from ops.runs where run_id = %s", [run_id])
        return row is not None, row["artifacts_dir"] if row else None

    async def request_cancel(self, run_id: int) -> tuple[RunStatus, int | None] | None:
        """Cancel a queued run at once, ask the worker to stop a running one (NOTIFY wakes it).
        Returns the status before and the Procrastinate job id; None when the run does not exist."""
        async with self.pool.connection() as conn, conn.transaction():
            row = await (
                await conn.execute(
                    "select status, job_id from ops.runs where run_id = %s for update", [run_id]
                )
            ).fetchone()
            if row is None:
                return None
            status, job_id = RunStatus(row[0]), row[1]
            if status == RunStatus.QUEUED:
                await conn.execute(
                    "update ops.runs set status = 'cancelled', completed_at = now(),"
                    " cancel_requested_at = now(), current_step = 'cancelled before it started'"
                    " where run_id = %s",
                    [run_id],
                )
                await conn.execute(
                    "insert into ops.run_logs (run_id, level, event, message)"
                    " values (%s, 'info', 'cancel', 'cancelled while queued')",
                    [run_id],
                )
            elif status == RunStatus.RUNNING:
                await conn.execute(
                    "update ops.runs set status = 'cancelling', cancel_requested_at = now(),"
                    " current_step = 'cancelling: stopping dbt' where run_id = %s",
                    [run_id],
                )
            if status not in TERMINAL:
                await conn.execute("select pg_notify(%s, 'cancel')", [channel(run_id)])
        return status, job_id

    async def retry_source(self, run_id: int) -> RetrySource | None:
        row = await self._one(
            "select status, request, artifacts_dir, selection from ops.runs where run_id = %s",
            [run_id],
        )
        if row is None:
            return None
        return RetrySource(
            RunStatus(row["status"]), row["request"], row["artifacts_dir"], row["selection"] or {}
        )

    async def status_counts(self) -> dict[str, int]:
        async with self.pool.connection() as conn:
            rows = await (
                await conn.execute("select status, count(*) from ops.runs group by status")
            ).fetchall()
        return {status: count for status, count in rows}

    async def last_successful_build(self) -> datetime | None:
        row = await self._one(
            "select max(completed_at) as at from ops.runs where status = 'succeeded' and mode <> 'test'",
            [],
        )
        return row["at"] if row else None

    async def last_game_build(self, game_id: int) -> tuple | None:
        """(run_id, built_at, the run's status, stale: the game's tracking changed since)."""
        async with self.pool.connection() as conn:
            return await (
                await conn.execute(
                    """
                    select b.run_id, b.built_at, r.status,
                        b.source_sha256 is distinct from t.file_sha256 as stale
                    from ops.game_builds as b
                    left join ops.runs as r on r.run_id = b.run_id
                    left join raw.tracker_games as t on t.game_id = b.game_id
                    where b.game_id = %s
                    """,
                    [game_id],
                )
            ).fetchone()


async def logs_after(conn, run_id: int, after: int, limit: int) -> list[tuple]:
    """Log lines of a run after the id `after`, oldest first (the logs page and the SSE stream)."""
    return await (
        await conn.execute(
            "select log_id, ts, level, event, node, message from ops.run_logs"
            " where run_id = %s and log_id > %s order by log_id limit %s",
            [run_id, after, limit],
        )
    ).fetchall()


async def watch_state(conn, run_id: int) -> tuple[dict | None, list[tuple]]:
    """The run row and its nodes, as the live event stream polls them on its own connection."""
    cursor = conn.cursor(row_factory=dict_row)
    await cursor.execute(f"select {RUN_COLUMNS} from ops.runs where run_id = %s", [run_id])
    row = await cursor.fetchone()
    nodes = await (
        await conn.execute(
            "select unique_id, name, resource_type, status, seconds::float8, rows_affected, message"
            " from ops.run_nodes where run_id = %s order by seq",
            [run_id],
        )
    ).fetchall()
    return row, nodes


@dataclass
class RunWriter:
    """The worker's writes for one run, on the worker thread's own (autocommit) connection."""

    conn: psycopg.Connection
    run_id: int

    def claim(self, worker: str) -> Claimed | None:
        """Take the run if it is still queued (a cancel or another worker may have won)."""
        row = self.conn.execute(
            """
            update ops.runs set status = 'running', started_at = coalesce(started_at, now()),
                heartbeat_at = now(), worker = %s, attempts = attempts + 1,
                current_step = 'starting', completed_at = null
            where run_id = %s and status = 'queued'
            returning mode, source, request, selection, retry_of, retry_from
            """,
            [worker, self.run_id],
        ).fetchone()
        return Claimed(row[0], row[1], row[2], row[3] or {}, row[4], row[5]) if row else None

    def notify(self, payload: str = "update") -> None:
        self.conn.execute("select pg_notify(%s, %s)", [channel(self.run_id), payload])

    def log(self, level: str, event: str, message: str, node: str | None = None, ts=None) -> None:
        self.conn.execute(
            "insert into ops.run_logs (run_id, ts, level, event, node, message)"
            " values (%s, coalesce(%s::timestamptz, clock_timestamp()), %s, %s, %s, %s)",
            [self.run_id, ts, level, event, node, message],
        )

    def step(self, words: str) -> None:
        self.conn.execute(
            "update ops.runs set current_step = %s where run_id = %s", [words, self.run_id]
        )

    def set_dbt_pid(self, pid: int) -> None:
        self.conn.execute("update ops.runs set dbt_pid = %s where run_id = %s", [pid, self.run_id])

    def progress(
        self, percent: float, total: int, done: int, failed: int, skipped: int, node: str | None
    ) -> None:
        self.conn.execute(
            """
            update ops.runs set progress = %s, nodes_total = %s, nodes_done = %s, nodes_failed = %s,
                nodes_skipped = %s, current_node = %s,
                current_step = case when %s::text is null then current_step else 'building ' || %s::text end
            where run_id = %s
            """,
            [percent, total, done, failed, skipped, node, node, node, self.run_id],
        )

    def node(
        self,
        seq: int,
        unique_id: str,
        name: str,
        resource_type: str,
        status: str,
        seconds: float | None,
        rows_affected: int | None,
        message: str | None,
        started_at: str | None,
        completed_at: str | None,
    ) -> None:
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
                unique_id,
                name,
                resource_type,
                status,
                seconds,
                rows_affected,
                message,
                started_at,
                completed_at,
                seq,
            ],
        )

    def set_rows_loaded(self, rows: int) -> None:
        self.conn.execute(
            "update ops.runs set rows_loaded = %s where run_id = %s", [rows, self.run_id]
        )

    def set_selection(self, selection: dict) -> None:
        """The games an incremental run found changed, folded into its selection."""
        self.conn.execute(
            "update ops.runs set selection = %s where run_id = %s",
            [json.dumps(selection), self.run_id],
        )

    def set_artifacts_dir(self, path: str) -> None:
        self.conn.execute(
            "update ops.runs set artifacts_dir = %s where run_id = %s", [path, self.run_id]
        )

    def artifacts_dir_of(self, other_run_id: int) -> str | None:
        row = self.conn.execute(
            "select artifacts_dir from ops.runs where run_id = %s", [other_run_id]
        ).fetchone()
        return row[0] if row else None

    def finish(
        self,
        status: RunStatus,
        tables_created: int,
        tests_passed: int,
        tests_failed: int,
        errors: list,
        summary: dict,
    ) -> None:
        self.conn.execute(
            """
            update ops.runs set status = %s, completed_at = now(), current_step = %s, current_node = null,
                progress = case when %s = 'succeeded' then 100 else progress end,
                tables_created = %s, tests_passed = %s, tests_failed = %s, errors = %s, summary = %s,
                dbt_pid = null
            where run_id = %s
            """,
            [
                status,
                FINISHED_WORDS[status],
                status,
                tables_created,
                tests_passed,
                tests_failed,
                json.dumps(errors),
                json.dumps(summary),
                self.run_id,
            ],
        )

    def changed_games(self) -> list[int]:
        """Tracked games whose chosen file differs from the one their last successful build used."""
        exists = self.conn.execute(
            "select to_regclass('raw.tracker_games') is not null"
        ).fetchone()[0]
        if not exists:
            return []
        rows = self.conn.execute(
            """
            select g.game_id from raw.tracker_games g left join ops.game_builds b on b.game_id = g.game_id
            where b.source_sha256 is distinct from g.file_sha256 order by g.game_id
            """
        ).fetchall()
        return [r[0] for r in rows]

    def record_game_builds(self, games: list[int] | None) -> None:
        """The tracking file each built game (None: every tracked game) was built from."""
        exists = self.conn.execute(
            "select to_regclass('raw.tracker_games') is not null"
        ).fetchone()[0]
        if not exists:
            return
        self.conn.execute(
            """
            insert into ops.game_builds (game_id, source_sha256, run_id, built_at)
            select game_id, file_sha256, %s, now() from raw.tracker_games
            where %s::int[] is null or game_id = any(%s::int[])
            on conflict (game_id) do update set source_sha256 = excluded.source_sha256,
                run_id = excluded.run_id, built_at = excluded.built_at
            """,
            [self.run_id, games, games],
        )

    def tracked_games(self) -> list[int]:
        exists = self.conn.execute(
            "select to_regclass('raw.tracker_games') is not null"
        ).fetchone()[0]
        if not exists:
            return []
        return [r[0] for r in self.conn.execute("select game_id from raw.tracker_games order by 1")]

    def recorded_workbook_digests(self) -> dict[tuple[str, str], str]:
        """(raw table, game id or '') -> the digest the last build covering it saw."""
        rows = self.conn.execute("select table_name, game_id, digest from ops.workbook_builds")
        return {(table, game): digest for table, game, digest in rows}

    def record_workbook_builds(self, digests: dict[tuple[str, str], str]) -> None:
        """The workbook this run built from: its digests replace the recorded ones."""
        with self.conn.transaction():
            self.conn.execute("delete from ops.workbook_builds")
            with self.conn.cursor().copy(
                "copy ops.workbook_builds (table_name, game_id, digest, run_id) from stdin"
            ) as copy:
                for (table, game), digest in digests.items():
                    copy.write_row((table, game, digest, self.run_id))

    def beat(self) -> bool:
        """Prove the run is alive; True when a cancel was requested."""
        row = self.conn.execute(
            "update ops.runs set heartbeat_at = now() where run_id = %s returning cancel_requested_at",
            [self.run_id],
        ).fetchone()
        return bool(row and row[0] is not None)


def doctor_summary(conn: psycopg.Connection, waiting_after_seconds: float = 60) -> dict:
    """For `benchsight doctor`: the last finished build (id, status, completed_at) or None, and
    how many runs have waited in the queue longer than `waiting_after_seconds`."""
    last = conn.execute(
        "select run_id, status, completed_at from ops.runs where kind = 'etl'"
        " and status in (%s, %s) order by run_id desc limit 1",
        [RunStatus.SUCCEEDED.value, RunStatus.FAILED.value],
    ).fetchone()
    waiting = conn.execute(
        "select count(*) from ops.runs where status = %s"
        " and created_at < now() - make_interval(secs => %s)",
        [RunStatus.QUEUED.value, waiting_after_seconds],
    ).fetchone()[0]
    return {"last_build": last, "waiting": waiting}


def requeue_after_lost_connection(conn: psycopg.Connection, run_id: int, reason: str) -> None:
    """A running run whose database connection broke goes back to queued for Procrastinate's retry."""
    conn.execute(
        "update ops.runs set status = 'queued', current_step = 'waiting to retry after a lost connection'"
        " where run_id = %s and status = 'running'",
        [run_id],
    )
    RunWriter(conn, run_id).log("warning", "retry", reason)


def runs_in_progress(conn: psycopg.Connection, run_ids: list[int]) -> set[int]:
    """Which of these runs are still running or cancelling (not yet settled)."""
    rows = conn.execute(
        "select run_id from ops.runs where run_id = any(%s) and status in ('running', 'cancelling')",
        [run_ids],
    ).fetchall()
    return {r[0] for r in rows}


def reap_stalled(
    conn: psycopg.Connection, stale_after: float
) -> list[tuple[int, int | None, str | None]]:
    """Finish runs whose worker stopped beating: (run_id, dbt_pid, worker) of each."""
    return conn.execute(
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
