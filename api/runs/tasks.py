"""Procrastinate tasks of the runs domain: the build job and the schedule ticker.

Tasks are plain functions registered on each Procrastinate app by `register()` (a Blueprint
renames its tasks in place, so it cannot serve the API's and the worker's app in one process).
Tasks receive only a run id or a timestamp (JSON-serialisable); what the run is and what it did
lives in ops.runs. The worker's settings arrive through the job context (`additional_context`).

The ticker creates runs through the same `RunsService.create_run` as the API, on a small pool of
its own and the worker's Procrastinate app, so a scheduled run is validated, resolved and queued
exactly like a triggered one.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import procrastinate
import psycopg
from procrastinate import JobContext, RetryStrategy
from psycopg_pool import AsyncConnectionPool

from api.runs.executor import execute_run, reap_stalled_runs
from api.runs.service import BUILD_TASK, RunsService
from api.runs.store import requeue_after_lost_connection
from api.settings import ApiSettings

log = logging.getLogger("benchsight.worker")

# A lost database connection is worth retrying; a failing model is not (it is the run's outcome).
TRANSIENT_RETRY = RetryStrategy(
    max_attempts=3, exponential_wait=2, retry_exceptions={psycopg.OperationalError}
)


async def build_run(context: JobContext, run_id: int) -> str:
    settings = context.additional_context["settings"]
    # Procrastinate may free the build lock of a dead worker's job before the stalled-run check
    # settles its run (and stops the dbt it left behind): settle it here first, so two builds
    # never overlap on one database.
    await asyncio.to_thread(reap_stalled_runs, settings.database_url, settings.stale_after_seconds)
    try:
        # dbt's subprocess and the recording are blocking: keep the event loop (heartbeats, LISTEN) free.
        return await asyncio.shield(asyncio.to_thread(execute_run, settings, run_id))
    except psycopg.OperationalError as exc:
        await asyncio.to_thread(_requeue_after_transient_error, settings.database_url, run_id, exc)
        raise


def _requeue_after_transient_error(url: str, run_id: int, exc: Exception) -> None:
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            requeue_after_lost_connection(
                conn, run_id, f"database connection lost ({exc}); the job will be retried"
            )
    except psycopg.OperationalError:
        log.warning(
            "run %s: database still unreachable; the stalled-run check will settle it", run_id
        )


async def tick_schedules(context: JobContext, timestamp: int) -> list[int]:
    """Trigger every enabled schedule whose cron fell due in the last minute."""
    return await trigger_due_schedules(
        context.additional_context["settings"], context.app, datetime.fromtimestamp(timestamp, UTC)
    )


async def trigger_due_schedules(
    settings: ApiSettings, queue: procrastinate.App, now: datetime
) -> list[int]:
    """The runs the schedules due at `now` created (`queue` must be open)."""
    async with AsyncConnectionPool(
        settings.database_url, min_size=1, max_size=2, kwargs={"autocommit": True}, open=False
    ) as pool:
        return await RunsService(pool, queue, settings).trigger_due_schedules(now)


def register(app: procrastinate.App) -> None:
    app.task(name=BUILD_TASK, pass_context=True, retry=TRANSIENT_RETRY)(build_run)
    ticker = app.task(name="tick_schedules", pass_context=True, queue="schedules")(tick_schedules)
    app.periodic(cron="* * * * *")(ticker)
