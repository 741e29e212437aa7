"""Procrastinate tasks of the runs domain: the build job and the schedule ticker.

Tasks are plain functions registered on each Procrastinate app by `register()` (a Blueprint
renames its tasks in place, so it cannot serve the API's and the worker's app in one process).
Tasks receive only a run id (JSON-serialisable); what the run is and what it did lives in
ops.runs. The worker's settings arrive through the job context (`additional_context`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta

import procrastinate
import psycopg
from croniter import croniter
from procrastinate import JobContext, RetryStrategy

from api.runs.executor import execute_run

log = logging.getLogger("benchsight.worker")
BUILD_TASK = "build_run"

# A lost database connection is worth retrying; a failing model is not (it is the run's outcome).
TRANSIENT_RETRY = RetryStrategy(
    max_attempts=3, exponential_wait=2, retry_exceptions={psycopg.OperationalError}
)


async def build_run(context: JobContext, run_id: int) -> str:
    settings = context.additional_context["settings"]
    try:
        # dbt's subprocess and the recording are blocking: keep the event loop (heartbeats, LISTEN) free.
        return await asyncio.shield(asyncio.to_thread(execute_run, settings, run_id))
    except psycopg.OperationalError as exc:
        _requeue_after_transient_error(settings.database_url, run_id, exc)
        raise


def _requeue_after_transient_error(url: str, run_id: int, exc: Exception) -> None:
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                "update ops.runs set status = 'queued', current_step = 'waiting to retry after a lost connection'"
                " where run_id = %s and status = 'running'",
                [run_id],
            )
            conn.execute(
                "insert into ops.run_logs (run_id, level, event, message) values (%s, 'warning', 'retry', %s)",
                [run_id, f"database connection lost ({exc}); the job will be retried"],
            )
    except psycopg.OperationalError:
        log.warning(
            "run %s: database still unreachable; the stalled-run check will settle it", run_id
        )


async def tick_schedules(context: JobContext, timestamp: int) -> list[int]:
    """Trigger every enabled schedule whose cron fell due in the last minute."""
    settings = context.additional_context["settings"]
    return await asyncio.to_thread(
        trigger_due_schedules, settings, datetime.fromtimestamp(timestamp, UTC)
    )


def trigger_due_schedules(settings, now: datetime) -> list[int]:
    from api.queue import defer_build_sync

    started = []
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        rows = conn.execute(
            "select name, cron, mode, request, coalesce(last_triggered_at, updated_at) from ops.schedules where enabled"
        ).fetchall()
        for name, cron, mode, request, since in rows:
            due = croniter(cron, max(since, now - timedelta(minutes=1))).get_next(datetime)
            if due > now:
                continue
            claimed = conn.execute(
                "update ops.schedules set last_triggered_at = %s where name = %s"
                " and coalesce(last_triggered_at, updated_at) = %s returning name",
                [now, name, since],
            ).fetchone()
            if not claimed:
                continue  # another worker got this tick
            run_id = conn.execute(
                "insert into ops.runs (mode, source, request, selection, schedule_name, current_step)"
                " values (%s, %s, %s, '{}', %s, 'queued') returning run_id",
                [mode, request.get("source", "staging"), json.dumps(request), name],
            ).fetchone()[0]
            job_id = defer_build_sync(settings, run_id)
            conn.execute("update ops.runs set job_id = %s where run_id = %s", [job_id, run_id])
            conn.execute(
                "update ops.schedules set last_run_id = %s where name = %s", [run_id, name]
            )
            started.append(run_id)
    return started


def register(app: procrastinate.App) -> None:
    app.task(name=BUILD_TASK, pass_context=True, retry=TRANSIENT_RETRY)(build_run)
    ticker = app.task(name="tick_schedules", pass_context=True, queue="schedules")(tick_schedules)
    app.periodic(cron="* * * * *")(ticker)
