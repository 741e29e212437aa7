"""The runs service: everything the runs endpoints do, against the database and the queue.

Triggering a run validates the request against the data (known games) and the dbt project (known
tables, a non-empty selection), records the run in ops.runs, then queues a Procrastinate job.
Every build job carries the same Procrastinate lock, so builds on one database run one at a time
in the order they were queued; `on_conflict=reject` refuses a trigger while one is active instead.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import anyio
import msgspec
from croniter import croniter
from psycopg.rows import dict_row

from api.errors import ApiError, bad_request, conflict, not_found
from api.runs import structs
from api.runs.structs import ACTIVE, TERMINAL, Run, TriggerRequest
from api.runs.tasks import BUILD_TASK
from api.settings import ApiSettings
from dbt_project.manifest import ManifestError, load_index
from dbt_project.selection import Selection, SelectionError, game_selection, table_selection

# Serialises the "is a build active?" check with the insert across API processes.
TRIGGER_LOCK_KEY = 0x42_53_54_52  # "BSTR"
RUN_COLUMNS = """
    run_id, status, mode, source, created_at, started_at, completed_at, progress, current_step,
    current_node, nodes_total, nodes_done, nodes_failed, nodes_skipped, tables_created, rows_loaded,
    tests_passed, tests_failed, errors, summary, selection, retry_of, schedule_name
"""
ARTIFACTS = ("run_results.json", "manifest.json")


def build_lock(settings: ApiSettings) -> str:
    """One build per target database: the lock names the database."""
    from urllib.parse import urlsplit

    parts = urlsplit(settings.database_url)
    return f"build:{parts.hostname}:{parts.port or 5432}{parts.path}"


def run_from_row(row: dict) -> Run:
    summary = row["summary"] or {}
    finished = row["status"] in TERMINAL
    return Run(
        run_id=row["run_id"],
        status=row["status"],
        mode=row["mode"],
        source=row["source"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
        progress=float(row["progress"]),
        current_step=row["current_step"],
        current_node=row["current_node"],
        nodes=structs.NodeCounts(
            row["nodes_total"], row["nodes_done"], row["nodes_failed"], row["nodes_skipped"]
        ),
        tables_created=row["tables_created"],
        rows_loaded=row["rows_loaded"],
        errors=[structs.RunError(e.get("node"), e.get("message")) for e in row["errors"] or []],
        result=structs.RunResult(
            tables_created=row["tables_created"],
            duration_seconds=summary.get("duration_seconds"),
            tests_passed=row["tests_passed"],
            tests_failed=row["tests_failed"],
        )
        if finished
        else None,
        selection=row["selection"] or {},
        retry_of=row["retry_of"],
        schedule_name=row["schedule_name"],
    )


class RunsService:
    def __init__(self, pool, queue, settings: ApiSettings):
        self.pool = pool
        self.queue = queue
        self.settings = settings

    # ------------------------------------------------------------------ trigger
    async def trigger(
        self,
        request: TriggerRequest,
        idempotency_key: str | None = None,
        reject_if_busy: bool = False,
        retry_of: int | None = None,
        retry_from: str | None = None,
        schedule_name: str | None = None,
        api_key_id: int | None = None,
        selection: Selection | None = None,
    ) -> tuple[Run, bool]:
        """Queue a run; returns (run, created). An Idempotency-Key seen before returns its run."""
        if idempotency_key:
            existing = await self._by_idempotency_key(idempotency_key)
            if existing is not None:
                return existing, False
        if selection is None:
            selection = await self.validate(request)
        payload = msgspec.to_builtins(request)
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute("select pg_advisory_xact_lock(%s)", [TRIGGER_LOCK_KEY])
            if reject_if_busy:
                busy = await (
                    await conn.execute(
                        "select run_id, status from ops.runs where status = any(%s) order by run_id",
                        [list(ACTIVE)],
                    )
                ).fetchall()
                if busy:
                    raise conflict(
                        "build_in_progress",
                        f"a build is already {busy[0][1]} (run {busy[0][0]}); retry later or queue behind it",
                        [{"run_id": r[0], "status": r[1]} for r in busy],
                    )
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(
                f"""
                insert into ops.runs (mode, source, request, selection, idempotency_key, retry_of, retry_from,
                                      schedule_name, api_key_id, current_step)
                values (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'queued')
                on conflict (idempotency_key) do nothing
                returning {RUN_COLUMNS}
                """,
                [
                    request.mode,
                    request.source,
                    json.dumps(payload),
                    json.dumps(selection.as_dict()),
                    idempotency_key,
                    retry_of,
                    retry_from,
                    schedule_name,
                    api_key_id,
                ],
            )
            row = await cursor.fetchone()
        if row is None:  # the same key raced in from another request
            existing = await self._by_idempotency_key(idempotency_key or "")
            assert existing is not None
            return existing, False
        run_id = row["run_id"]
        try:
            job_id = await self.queue.configure_task(
                BUILD_TASK, lock=build_lock(self.settings), queue=self.settings.queue
            ).defer_async(run_id=run_id)
        except Exception as exc:
            async with self.pool.connection() as conn:
                await conn.execute(
                    "update ops.runs set status = 'failed', completed_at = now(), current_step = 'not queued',"
                    " errors = %s where run_id = %s",
                    [
                        json.dumps([{"node": None, "message": f"could not queue the job: {exc}"}]),
                        run_id,
                    ],
                )
            raise ApiError(503, "queue_unavailable", f"the run could not be queued: {exc}") from exc
        async with self.pool.connection() as conn:
            await conn.execute(
                "update ops.runs set job_id = %s where run_id = %s", [job_id, run_id]
            )
        return run_from_row(row), True

    async def validate(self, request: TriggerRequest) -> Selection:
        """The dbt selection a request resolves to, or a 400 naming what is wrong."""
        games = sorted(set(request.game_ids))
        excluded = sorted(set(request.exclude_game_ids))
        if request.mode == "single" and not games:
            raise bad_request("empty_selection", "mode single needs game_ids", [], "game_ids")
        if request.mode == "incremental" and games:
            raise bad_request(
                "invalid_request",
                "mode incremental picks the games whose source changed; use mode single to name games",
                games,
                "game_ids",
            )
        if games or excluded:
            known = await self._known_games(games + excluded)
            unknown = [g for g in games + excluded if g not in known]
            if unknown:
                raise bad_request(
                    "unknown_games",
                    f"unknown game ids: {', '.join(map(str, unknown))}",
                    unknown,
                    "game_ids",
                )
        base = Selection()
        try:
            if games:
                base = game_selection(games, excluded)
            if request.tables or request.exclude_tables or games:
                index = await anyio.to_thread.run_sync(self._manifest_index)
                return table_selection(index, request.tables, request.exclude_tables, base)
        except SelectionError as exc:
            field = (
                "game_ids"
                if exc.code == "empty_selection" and games and not request.tables
                else "tables"
            )
            raise bad_request(exc.code, str(exc), exc.values, field) from None
        except ManifestError as exc:
            raise ApiError(503, "dbt_project_unavailable", str(exc)) from None
        if excluded:
            # Excluding games from a full build: the build still covers every model; the game
            # filter applies to the incremental models through the list of wanted games.
            raise bad_request(
                "invalid_request",
                "exclude_game_ids needs game_ids (mode single) to exclude from",
                excluded,
                "exclude_game_ids",
            )
        return base

    def _manifest_index(self):
        from benchsight.db import connection_env
        from dbt_project.commands import dbt_environment

        env = dbt_environment(connection_env(self.settings.database_url))
        return load_index(self.settings.project_dir, self.settings.manifest_cache_dir, env)

    async def _known_games(self, wanted: list[int]) -> set[int]:
        async with self.pool.connection() as conn:
            tables = await (
                await conn.execute(
                    "select to_regclass('raw.blb_dim_schedule') is not null, to_regclass('raw.tracker_games') is not null"
                )
            ).fetchone()
            parts = []
            if tables[0]:
                parts.append("select game_id::text from raw.blb_dim_schedule")
            if tables[1]:
                parts.append("select game_id::text from raw.tracker_games")
            if not parts:
                return set()
            rows = await (
                await conn.execute(
                    f"select distinct game_id::int from ({' union '.join(parts)}) g where game_id = any(%s)",
                    [[str(g) for g in wanted]],
                )
            ).fetchall()
        return {r[0] for r in rows}

    async def _by_idempotency_key(self, key: str) -> Run | None:
        async with self.pool.connection() as conn:
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(
                f"select {RUN_COLUMNS} from ops.runs where idempotency_key = %s", [key]
            )
            row = await cursor.fetchone()
        return run_from_row(row) if row else None

    # ------------------------------------------------------------------ reading
    async def get(self, run_id: int) -> Run:
        async with self.pool.connection() as conn:
            cursor = conn.cursor(row_factory=dict_row)
            await cursor.execute(f"select {RUN_COLUMNS} from ops.runs where run_id = %s", [run_id])
            row = await cursor.fetchone()
        if row is None:
            raise not_found("run", run_id)
        return run_from_row(row)

    async def history(
        self,
        limit: int,
        status: str | None,
        mode: str | None,
        since: datetime | None,
        until: datetime | None,
        cursor: str | None,
    ) -> structs.RunPage:
        conditions, params = [], []
        if status:
            conditions.append("status = %s")
            params.append(status)
        if mode:
            conditions.append("mode = %s")
            params.append(mode)
        if since:
            conditions.append("created_at >= %s")
            params.append(since)
        if until:
            conditions.append("created_at < %s")
            params.append(until)
        if cursor:
            conditions.append("run_id < %s")
            params.append(decode_cursor(cursor))
        where = ("where " + " and ".join(conditions)) if conditions else ""
        async with self.pool.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                f"select {RUN_COLUMNS} from ops.runs {where} order by run_id desc limit %s",
                [*params, limit + 1],
            )
            rows = await cur.fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        return structs.RunPage(
            runs=[run_from_row(r) for r in rows],
            next_cursor=encode_cursor(rows[-1]["run_id"]) if more and rows else None,
        )

    async def logs(self, run_id: int, after: int, limit: int) -> structs.LogPage:
        await self._require(run_id)
        async with self.pool.connection() as conn:
            rows = await (
                await conn.execute(
                    "select log_id, ts, level, event, node, message from ops.run_logs"
                    " where run_id = %s and log_id > %s order by log_id limit %s",
                    [run_id, after, limit],
                )
            ).fetchall()
        lines = [structs.LogLine(*r) for r in rows]
        return structs.LogPage(
            run_id=run_id, lines=lines, next_after=lines[-1].id if lines else after
        )

    async def steps(self, run_id: int) -> structs.StepList:
        await self._require(run_id)
        async with self.pool.connection() as conn:
            rows = await (
                await conn.execute(
                    "select unique_id, name, resource_type, status, seconds::float8, rows_affected, message,"
                    " started_at, completed_at from ops.run_nodes where run_id = %s order by seq",
                    [run_id],
                )
            ).fetchall()
        return structs.StepList(run_id=run_id, steps=[structs.Step(*r) for r in rows])

    async def artifact(self, run_id: int, name: str) -> Path:
        if name not in ARTIFACTS:
            raise not_found("artifact", name)
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute("select artifacts_dir from ops.runs where run_id = %s", [run_id])
            ).fetchone()
        if row is None:
            raise not_found("run", run_id)
        path = Path(row[0] or "") / name if row[0] else None
        if path is None or not path.exists():
            raise not_found(f"artifact of run {run_id}", name)
        return path

    async def _require(self, run_id: int) -> None:
        async with self.pool.connection() as conn:
            found = await (
                await conn.execute("select 1 from ops.runs where run_id = %s", [run_id])
            ).fetchone()
        if not found:
            raise not_found("run", run_id)

    # ------------------------------------------------------------------ cancel, retry
    async def cancel(self, run_id: int) -> Run:
        async with self.pool.connection() as conn, conn.transaction():
            row = await (
                await conn.execute(
                    "select status, job_id from ops.runs where run_id = %s for update", [run_id]
                )
            ).fetchone()
            if row is None:
                raise not_found("run", run_id)
            status, job_id = row
            if status in TERMINAL:
                raise conflict("run_finished", f"run {run_id} already {status}")
            if status == "queued":
                await conn.execute(
                    "update ops.runs set status = 'cancelled', completed_at = now(), cancel_requested_at = now(),"
                    " current_step = 'cancelled before it started' where run_id = %s",
                    [run_id],
                )
                await conn.execute(
                    "insert into ops.run_logs (run_id, level, event, message) values (%s, 'info', 'cancel', %s)",
                    [run_id, "cancelled while queued"],
                )
            elif status == "running":
                await conn.execute(
                    "update ops.runs set status = 'cancelling', cancel_requested_at = now(),"
                    " current_step = 'cancelling: stopping dbt' where run_id = %s",
                    [run_id],
                )
            await conn.execute("select pg_notify(%s, 'cancel')", [f"ops_run_{run_id}"])
        if status == "queued" and job_id is not None:
            # The worker also re-checks the run's status when it picks a job, so losing this race is harmless.
            await self.queue.job_manager.cancel_job_by_id_async(job_id)
        return await self.get(run_id)

    async def retry(self, run_id: int, start_from: str) -> Run:
        async with self.pool.connection() as conn:
            row = await (
                await conn.execute(
                    "select status, request, artifacts_dir, selection from ops.runs where run_id = %s",
                    [run_id],
                )
            ).fetchone()
        if row is None:
            raise not_found("run", run_id)
        status, request_json, artifacts_dir, selection_json = row
        if status not in TERMINAL:
            raise conflict("run_active", f"run {run_id} is still {status}")
        if start_from == "failure":
            if status == "succeeded":
                raise conflict(
                    "nothing_to_retry", f"run {run_id} succeeded: nothing failed to retry"
                )
            if not artifacts_dir or not (Path(artifacts_dir) / "run_results.json").exists():
                raise conflict(
                    "no_artifacts",
                    f"run {run_id} left no run_results.json to retry from; retry from=start",
                )
        request = msgspec.convert(request_json, TriggerRequest)
        # dbt retry re-runs the failed nodes of that invocation: give them the same games.
        same = (
            Selection(
                tuple(selection_json.get("select", [])),
                tuple(selection_json.get("exclude", [])),
                selection_json.get("vars", {}),
            )
            if start_from == "failure"
            else None
        )
        run, _ = await self.trigger(request, retry_of=run_id, retry_from=start_from, selection=same)
        return run

    # ------------------------------------------------------------------ schedules
    async def schedules(self) -> structs.ScheduleList:
        async with self.pool.connection() as conn:
            rows = await (
                await conn.execute(
                    "select name, cron, enabled, mode, request, last_run_id, last_triggered_at from ops.schedules order by name"
                )
            ).fetchall()
        now = datetime.now(UTC)
        return structs.ScheduleList(
            schedules=[
                structs.Schedule(
                    name=r[0],
                    cron=r[1],
                    enabled=r[2],
                    mode=r[3],
                    request=r[4],
                    next_run_at=croniter(r[1], now).get_next(datetime) if r[2] else None,
                    last_run_id=r[5],
                    last_triggered_at=r[6],
                )
                for r in rows
            ]
        )

    async def put_schedule(self, name: str, update: structs.ScheduleUpdate) -> structs.Schedule:
        if not croniter.is_valid(update.cron) or len(update.cron.split()) != 5:
            raise bad_request(
                "invalid_cron",
                f"{update.cron!r} is not a 5-field cron expression",
                [update.cron],
                "cron",
            )
        if not re.fullmatch(r"[a-z0-9_-]{1,64}", name):
            raise bad_request(
                "invalid_name", "schedule names are 1-64 of a-z, 0-9, _ and -", [name], "name"
            )
        await self.validate(update.request)
        request = msgspec.to_builtins(update.request)
        async with self.pool.connection() as conn:
            await conn.execute(
                """
                insert into ops.schedules (name, cron, enabled, mode, request, updated_at)
                values (%s, %s, %s, %s, %s, now())
                on conflict (name) do update set cron = excluded.cron, enabled = excluded.enabled,
                    mode = excluded.mode, request = excluded.request, updated_at = now()
                """,
                [name, update.cron, update.enabled, update.request.mode, json.dumps(request)],
            )
        listing = await self.schedules()
        return next(s for s in listing.schedules if s.name == name)


def encode_cursor(run_id: int) -> str:
    return base64.urlsafe_b64encode(f"r{run_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("r"):
            raise ValueError
        return int(text[1:])
    except (ValueError, UnicodeDecodeError):
        raise bad_request(
            "invalid_cursor", "the cursor is not one this API returned", [cursor], "cursor"
        ) from None
