"""The Procrastinate app and the worker loop around it.

Procrastinate's tables and functions live in schema `procrastinate` (installed by
`benchsight db migrate`), so its connections use `search_path=procrastinate`.

Next to Procrastinate's own worker, each worker process runs two small loops: a heartbeat in
ops.workers (so /api/status can say which workers are alive) and the stalled-run check, which
settles runs of workers that died and releases their Procrastinate jobs so the queue goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket

import procrastinate
import psycopg
from procrastinate.exceptions import ConnectorException
from procrastinate.jobs import Status

from api.runs.executor import reap_stalled_runs, worker_name
from api.runs.service import BUILD_TASK
from api.runs.store import runs_in_progress
from api.runs.tasks import register
from api.settings import ApiSettings

log = logging.getLogger("benchsight.worker")
PROCRASTINATE_OPTIONS = "-c search_path=procrastinate"


def make_app(settings: ApiSettings, *, sync: bool = False) -> procrastinate.App:
    kwargs = {"options": PROCRASTINATE_OPTIONS}
    if sync:
        connector = procrastinate.SyncPsycopgConnector(
            conninfo=settings.database_url, kwargs=kwargs
        )
    else:
        connector = procrastinate.PsycopgConnector(
            conninfo=settings.database_url, kwargs=kwargs, min_size=1, max_size=4
        )
    app = procrastinate.App(connector=connector)
    register(app)
    return app


async def run_worker(settings: ApiSettings, install_signal_handlers: bool = True) -> None:
    """Run the build worker until stopped (SIGINT/SIGTERM, or cancellation of this coroutine).

    Procrastinate's worker stops by itself when its database connection breaks (a side task
    fails). A stop nobody asked for is not the end: wait until the database answers again and
    start it anew, so a restarted database does not leave a deployment without a worker (and a
    worker that exits 0 is not restarted by every platform).
    """
    app = make_app(settings)
    stop = asyncio.Event()
    if install_signal_handlers:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
    async with app.open_async():
        helpers = [
            asyncio.create_task(_beat(settings), name="worker-heartbeat"),
            asyncio.create_task(_watch_stalled(app, settings), name="stalled-runs"),
        ]
        try:
            while not stop.is_set():
                ended = await _run_until_stopped(app, settings, stop)
                if stop.is_set():
                    break
                log.warning(
                    "the queue worker stopped (%s); starting it again once the database answers",
                    ended or "its database connection broke",
                )
                await _until_reachable(settings.database_url, stop)
        finally:
            for task in helpers:
                task.cancel()
            for task in helpers:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await asyncio.to_thread(_unregister, settings.database_url)


async def _run_until_stopped(
    app: procrastinate.App, settings: ApiSettings, stop: asyncio.Event
) -> str | None:
    """Procrastinate's worker until it ends by itself (returns why) or `stop` is set (it is then
    stopped gracefully: running jobs finish, as with Procrastinate's own signal handling)."""
    worker = asyncio.create_task(
        app.run_worker_async(
            queues=[settings.queue, "schedules"],
            concurrency=2,
            name=worker_name(),
            additional_context={"settings": settings},
            install_signal_handlers=False,
            update_heartbeat_interval=max(1.0, settings.stale_after_seconds / 5),
            stalled_worker_timeout=settings.stale_after_seconds,
            fetch_job_polling_interval=2.0,
        ),
        name="procrastinate-worker",
    )
    stopper = asyncio.create_task(stop.wait(), name="worker-stop")
    try:
        await asyncio.wait({worker, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
        if not worker.done():
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
    if worker.cancelled():
        return None
    error = worker.exception()
    return f"{type(error).__name__}: {error}".strip() if error else None


async def _until_reachable(url: str, stop: asyncio.Event, interval: float = 1.0) -> None:
    def reachable() -> bool:
        try:
            psycopg.connect(url, connect_timeout=5).close()
        except psycopg.OperationalError:
            return False
        return True

    while not stop.is_set() and not await asyncio.to_thread(reachable):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


async def _beat(settings: ApiSettings) -> None:
    name = worker_name()
    while True:
        try:
            await asyncio.to_thread(_register, settings.database_url, name)
        except psycopg.OperationalError as exc:
            log.warning("worker heartbeat failed: %s", exc)
        except Exception:
            log.exception("worker heartbeat failed")
        await asyncio.sleep(max(1.0, settings.stale_after_seconds / 5))


def _register(url: str, name: str) -> None:
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            "insert into ops.workers (worker, hostname, pid) values (%s, %s, %s)"
            " on conflict (worker) do update set heartbeat_at = now()",
            [name, socket.gethostname(), os.getpid()],
        )


def _unregister(url: str) -> None:
    with (
        contextlib.suppress(psycopg.OperationalError),
        psycopg.connect(url, autocommit=True, connect_timeout=5) as conn,
    ):
        conn.execute("delete from ops.workers where worker = %s", [worker_name()])


async def _watch_stalled(app: procrastinate.App, settings: ApiSettings) -> None:
    interval = max(1.0, settings.stale_after_seconds / 5)
    while True:
        try:
            await settle_stalled(app, settings)
        except (psycopg.OperationalError, ConnectorException) as exc:
            # The database is away (or Procrastinate's pool still holds a connection from before
            # it restarted): try again next pass. This loop must never end while the worker
            # lives, it is what fails the runs a lost connection left `running`.
            log.warning("stalled-run check failed: %s", exc.__cause__ or exc)
        except Exception:
            log.exception("stalled-run check failed")
        await asyncio.sleep(interval)


async def settle_stalled(app: procrastinate.App, settings: ApiSettings) -> list[int]:
    """Fail runs whose worker died, and release the Procrastinate jobs such workers held."""
    reaped = await asyncio.to_thread(
        reap_stalled_runs, settings.database_url, settings.stale_after_seconds
    )
    if reaped:
        log.warning("runs of a stopped worker marked finished: %s", reaped)
    stalled = await app.job_manager.get_stalled_jobs(
        task_name=BUILD_TASK, seconds_since_heartbeat=settings.stale_after_seconds
    )
    # Procrastinate's worker heartbeat can go stale before the run's own: a job whose run is still
    # running is released on a later pass, once its run is settled. Releasing it first let the
    # next build start while the dead worker's run was still `running` (test_faults_runs, under
    # load: the next build started 0.9 s before the killed one was marked failed).
    unsettled = await asyncio.to_thread(
        _runs_in_progress, settings.database_url, [j.task_kwargs.get("run_id") for j in stalled]
    )
    for job in stalled:
        if job.task_kwargs.get("run_id") in unsettled:
            continue
        # The run row is settled (above, or by this check on an earlier pass): end the job so the
        # build lock it holds frees the queue.
        await app.job_manager.finish_job_by_id_async(job.id, status=Status.FAILED, delete_job=False)
        log.warning("released job %s of a stopped worker", job.id)
    await _reap_orphan_workers(settings.database_url, settings.stale_after_seconds)
    return reaped


def _runs_in_progress(url: str, run_ids: list) -> set[int]:
    ids = [r for r in run_ids if isinstance(r, int)]
    if not ids:
        return set()
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        return runs_in_progress(conn, ids)


async def _reap_orphan_workers(url: str, stale_after: float) -> None:
    def prune() -> None:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                "delete from ops.workers where heartbeat_at < now() - make_interval(secs => %s)",
                [stale_after * 2],
            )

    await asyncio.to_thread(prune)
