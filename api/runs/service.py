"""The runs service: everything the runs endpoints, the schedule ticker and other domains do with runs.

`create_run` is the one way a run comes to exist (the API's trigger, a retry, a due schedule, a
tracker upload with build=true, a publish): it validates the request against the data (known
games) and the dbt project (known tables, a non-empty selection), resolves the dbt selection once,
records the run through the store, then queues a Procrastinate job. The worker builds the
selection stored on the run; it never resolves a request again.

Every build job carries the same Procrastinate lock, so builds on one database run one at a time
in the order they were queued; `on_conflict=reject` refuses a trigger while one is active instead.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import anyio
import msgspec
from croniter import croniter

from api.deps import decode_cursor, encode_cursor
from api.errors import ApiError, bad_request, conflict, not_found
from api.runs import structs
from api.runs.store import TERMINAL, Filters, NewRun, RunsBusy, RunStatus, RunStore
from api.runs.structs import Job, Run, TriggerOptions, TriggerRequest, job_from_row, run_from_row
from api.settings import ApiSettings
from dbt_project.manifest import ManifestError, load_index
from dbt_project.selection import Selection, SelectionError, game_selection, table_selection
from loaders.tables import RAW_GAME_SOURCES, known_games_query

log = logging.getLogger("benchsight.runs")
BUILD_TASK = "build_run"
ARTIFACTS = ("run_results.json", "manifest.json")
CURSOR_PREFIX = "r"
# How long a cancel answer waits for a running build to stop, so it can say `cancelled` (the
# seed's answer) in the usual case; a build still stopping after that answers `running`.
CANCEL_ANSWER_WAIT_SECONDS = 3.0
# The seed's jobs start at once (its trigger answers `running`, and its portal polls only while
# `running`): a new run next in line is given this long to be picked up before the answer.
CLAIM_ANSWER_WAIT_SECONDS = 2.0


def build_lock(settings: ApiSettings) -> str:
    """One build per target database: the lock names the database."""
    parts = urlsplit(settings.database_url)
    return f"build:{parts.hostname}:{parts.port or 5432}{parts.path}"


def manifest_index(settings: ApiSettings):
    """The dbt project's node index (cached per manifest), as the selections are resolved on."""
    from benchsight.db import connection_env
    from dbt_project.commands import dbt_environment

    env = dbt_environment(connection_env(settings.database_url))
    return load_index(settings.project_dir, settings.manifest_cache_dir, env)


class RunsService:
    def __init__(self, pool, queue, settings: ApiSettings):
        self.pool = pool
        self.store = RunStore(pool)
        self.queue = queue
        self.settings = settings

    # ------------------------------------------------------------------ creating
    async def create_run(
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
        """Validate, resolve, record and queue a run; returns (run, created). An Idempotency-Key
        seen before returns its run. `selection` is given only by a retry from failure, which
        re-runs the failed run's own resolved selection."""
        if idempotency_key:
            existing = await self.store.by_idempotency_key(idempotency_key)
            if existing is not None:
                return run_from_row(existing), False
        if selection is None:
            selection = await self.validate(request)
        new = NewRun(
            mode=request.mode,
            source=request.source,
            request=msgspec.to_builtins(request),
            selection=selection.as_dict(),
            idempotency_key=idempotency_key,
            retry_of=retry_of,
            retry_from=retry_from,
            schedule_name=schedule_name,
            api_key_id=api_key_id,
        )
        try:
            row = await self.store.insert(new, reject_if_busy)
        except RunsBusy as busy:
            raise conflict(
                "build_in_progress",
                f"{busy}; retry later or queue behind it",
                [{"run_id": run_id, "status": status} for run_id, status in busy.active],
            ) from None
        if row is None:  # the same key raced in from another request
            existing = await self.store.by_idempotency_key(idempotency_key or "")
            assert existing is not None
            return run_from_row(existing), False
        await self._enqueue(row["run_id"])
        return run_from_row(row), True

    async def _enqueue(self, run_id: int) -> None:
        try:
            job_id = await self.queue.configure_task(
                BUILD_TASK, lock=build_lock(self.settings), queue=self.settings.queue
            ).defer_async(run_id=run_id)
        except Exception as exc:
            await self.store.fail_unqueued(run_id, f"could not queue the job: {exc}")
            raise ApiError(503, "queue_unavailable", f"the run could not be queued: {exc}") from exc
        await self.store.set_job(run_id, job_id)

    async def validate(self, request: TriggerRequest) -> Selection:
        """The dbt selection a request resolves to, or a 400 naming what is wrong."""
        if request.mode == "ml":
            _check_ml_request(request)
            return Selection()
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
        if excluded and not games and request.mode != "incremental":
            # Every game but those: the known games minus the excluded, as a game build.
            games = sorted(await self._known_games(None) - set(excluded))
            if not games:
                raise bad_request(
                    "empty_selection",
                    "no games left to build after the exclusions",
                    excluded,
                    "exclude_game_ids",
                )
        base = Selection()
        try:
            if games:
                base = game_selection(games, excluded)
            if request.tables or request.exclude_tables or games:
                index = await anyio.to_thread.run_sync(manifest_index, self.settings)
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
        return base

    async def _known_games(self, wanted: list[int] | None) -> set[int]:
        """The games of `wanted` that the schedule or the tracking knows (None: every game)."""
        async with self.pool.connection() as conn:
            sources = await (await conn.execute(RAW_GAME_SOURCES)).fetchone()
            query = known_games_query(sources, wanted)
            if query is None:
                return set()
            rows = await (await conn.execute(*query)).fetchall()
        return {r[0] for r in rows}

    # ------------------------------------------------------------------ reading
    async def get(self, run_id: int) -> Run:
        row = await self.store.get(run_id)
        if row is None:
            raise not_found("run", run_id)
        return run_from_row(row)

    async def job(self, run_id: int) -> Job:
        """The run as the seed paths show it."""
        row = await self.store.get(run_id)
        if row is None:
            raise not_found("run", run_id)
        return job_from_row(row)

    async def started_job(self, run_id: int) -> Job:
        """The answer of a seed trigger: the run once a worker picked it up (when it is next in
        line and a worker is alive, within CLAIM_ANSWER_WAIT_SECONDS), else as it is (pending)."""
        job = await self.job(run_id)
        if job.run_status != RunStatus.QUEUED or not await self.store.next_to_start(
            run_id, self.settings.stale_after_seconds
        ):
            return job
        deadline = anyio.current_time() + CLAIM_ANSWER_WAIT_SECONDS
        while job.run_status == RunStatus.QUEUED and anyio.current_time() < deadline:
            await anyio.sleep(0.05)
            job = await self.job(run_id)
        return job

    async def history_rows(
        self,
        limit: int,
        statuses: list[RunStatus],
        mode: str | None,
        since: datetime | None,
        until: datetime | None,
        cursor: str | None,
    ) -> tuple[list[dict], str | None]:
        """One page of runs, newest first, and the cursor of the next page (None: the last)."""
        before = decode_cursor(CURSOR_PREFIX, cursor) if cursor else None
        rows = await self.store.history(Filters(statuses, mode, since, until, before), limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, encode_cursor(CURSOR_PREFIX, rows[-1]["run_id"]) if more and rows else None

    async def history(
        self,
        limit: int,
        statuses: list[RunStatus],
        mode: str | None,
        since: datetime | None,
        until: datetime | None,
        cursor: str | None,
    ) -> structs.RunPage:
        rows, next_cursor = await self.history_rows(limit, statuses, mode, since, until, cursor)
        return structs.RunPage(runs=[run_from_row(r) for r in rows], next_cursor=next_cursor)

    async def logs(self, run_id: int, after: int, limit: int) -> structs.LogPage:
        await self._require(run_id)
        lines = [structs.LogLine(*r) for r in await self.store.logs(run_id, after, limit)]
        return structs.LogPage(
            run_id=run_id, lines=lines, next_after=lines[-1].id if lines else after
        )

    async def steps(self, run_id: int) -> structs.StepList:
        await self._require(run_id)
        rows = await self.store.steps(run_id)
        return structs.StepList(run_id=run_id, steps=[structs.Step(*r) for r in rows])

    async def artifact(self, run_id: int, name: str) -> Path:
        if name not in ARTIFACTS:
            raise not_found("artifact", name)
        found, folder = await self.store.artifacts_dir(run_id)
        if not found:
            raise not_found("run", run_id)
        path = Path(folder) / name if folder else None
        if path is None or not path.exists():
            raise not_found(f"artifact of run {run_id}", name)
        return path

    async def _require(self, run_id: int) -> None:
        if not await self.store.exists(run_id):
            raise not_found("run", run_id)

    # ------------------------------------------------------------------ cancel, retry
    async def cancel(self, run_id: int) -> Job:
        before = await self.store.request_cancel(run_id)
        if before is None:
            raise not_found("run", run_id)
        status, job_id = before
        if status in TERMINAL:
            raise conflict("run_finished", f"run {run_id} already {status}")
        if status == RunStatus.QUEUED and job_id is not None:
            # The worker also re-checks the run's status when it picks a job, so losing this race is harmless.
            await self.queue.job_manager.cancel_job_by_id_async(job_id)
        deadline = anyio.current_time() + CANCEL_ANSWER_WAIT_SECONDS
        job = await self.job(run_id)
        while job.run_status not in TERMINAL and anyio.current_time() < deadline:
            await anyio.sleep(0.1)
            job = await self.job(run_id)
        return job

    async def retry(self, run_id: int, start_from: str) -> Run:
        source = await self.store.retry_source(run_id)
        if source is None:
            raise not_found("run", run_id)
        if source.status not in TERMINAL:
            raise conflict("run_active", f"run {run_id} is still {source.status}")
        if start_from == "failure":
            if source.status == RunStatus.SUCCEEDED:
                raise conflict(
                    "nothing_to_retry", f"run {run_id} succeeded: nothing failed to retry"
                )
            folder = source.artifacts_dir
            if not folder or not (Path(folder) / "run_results.json").exists():
                raise conflict(
                    "no_artifacts",
                    f"run {run_id} left no run_results.json to retry from; retry from=start",
                )
        request = msgspec.convert(source.request, TriggerRequest)
        # dbt retry re-runs the failed nodes of that invocation: give them the same games.
        same = Selection.from_dict(source.selection) if start_from == "failure" else None
        run, _ = await self.create_run(
            request, retry_of=run_id, retry_from=start_from, selection=same
        )
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

    async def trigger_due_schedules(self, now: datetime) -> list[int]:
        """Create a run for every enabled schedule whose cron fell due in the minute before `now`.

        Each tick is claimed with a compare-and-set on last_triggered_at, so of several workers
        ticking at once exactly one creates the run. A schedule whose request no longer validates
        (a game or table since removed) creates nothing and says so in the worker's log.
        """
        async with self.pool.connection() as conn:
            rows = await (
                await conn.execute(
                    "select name, cron, request, coalesce(last_triggered_at, updated_at)"
                    " from ops.schedules where enabled"
                )
            ).fetchall()
        started = []
        for name, cron, request, since in rows:
            due = croniter(cron, max(since, now - timedelta(minutes=1))).get_next(datetime)
            if due > now or not await self._claim_tick(name, since, now):
                continue
            try:
                run, _ = await self.create_run(
                    msgspec.convert(request, TriggerRequest), schedule_name=name
                )
            except (ApiError, msgspec.ValidationError) as exc:
                log.warning("schedule %s is due but its request is refused: %s", name, exc)
                continue
            async with self.pool.connection() as conn:
                await conn.execute(
                    "update ops.schedules set last_run_id = %s where name = %s", [run.run_id, name]
                )
            started.append(run.run_id)
        return started

    async def _claim_tick(self, name: str, since: datetime, now: datetime) -> bool:
        async with self.pool.connection() as conn:
            claimed = await (
                await conn.execute(
                    "update ops.schedules set last_triggered_at = %s where name = %s"
                    " and coalesce(last_triggered_at, updated_at) = %s returning name",
                    [now, name, since],
                )
            ).fetchone()
        return claimed is not None


def _check_ml_request(request: TriggerRequest) -> None:
    """Mode `ml` builds nothing: what only a build honours is refused, naming the field."""
    for field in ("game_ids", "exclude_game_ids", "tables", "exclude_tables"):
        if getattr(request, field):
            raise bad_request(
                "invalid_request", f"mode ml builds nothing: {field} does not apply", [], field
            )
    if request.source == "excel":
        raise bad_request(
            "invalid_request",
            "mode ml builds nothing, so it loads nothing: use source staging",
            ["excel"],
            "source",
        )
    defaults = TriggerOptions()
    for name in TriggerOptions.__struct_fields__:
        if name != "retrain" and getattr(request.options, name) != getattr(defaults, name):
            raise bad_request(
                "invalid_request",
                f"mode ml builds nothing: options.{name} does not apply (only options.retrain)",
                [getattr(request.options, name)],
                f"options.{name}",
            )
