"""Health endpoints. `/api/health` is open and cheap; `/api/status` tells the whole picture."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

import msgspec
import psycopg
from litestar import Controller, get
from litestar.datastructures import State

from api.auth.middleware import requires
from api.runs.store import RunStore


def _version() -> str:
    try:
        return version("benchsight")
    except PackageNotFoundError:
        return "0.0.0"


class Health(msgspec.Struct):
    status: str
    version: str
    timestamp: datetime


class DatabaseStatus(msgspec.Struct):
    reachable: bool
    server_version: str | None
    error: str | None = None


class SystemStatus(msgspec.Struct):
    status: str
    version: str
    environment: str
    etl_available: bool
    """dbt is installed and a worker is alive to build."""
    supabase_connected: bool
    """The target database (Supabase or any Postgres) answers."""
    target: str
    database: DatabaseStatus
    dbt_available: bool
    queue: dict[str, int]
    workers_alive: list[str]
    last_successful_build: datetime | None
    timestamp: datetime


class HealthController(Controller):
    path = "/api"
    tags = ["health"]  # noqa: RUF012 (Litestar reads these class attributes)

    @get("/health")
    async def health(self, state: State) -> Health:
        """Liveness: the API answers and can ping the database."""
        try:
            async with state.pool.connection(timeout=2) as conn:
                await conn.execute("select 1")
            status = "healthy"
        except (psycopg.OperationalError, Exception):
            status = "degraded"
        return Health(status=status, version=_version(), timestamp=datetime.now(UTC))

    @get("/status", guards=[requires("read")])
    async def status(self, state: State) -> SystemStatus:
        """Database, dbt, queue depth by status, live workers, last successful build."""
        from dbt_project.commands import dbt_executable

        settings = state.settings
        try:
            dbt_executable()
            dbt_ok = True
        except FileNotFoundError:
            dbt_ok = False
        queue: dict[str, int] = {}
        workers: list[str] = []
        last_ok = None
        try:
            async with state.pool.connection(timeout=3) as conn:
                server = (await (await conn.execute("show server_version")).fetchone())[0]
                workers = [
                    r[0]
                    for r in await (
                        await conn.execute(
                            "select worker from ops.workers where heartbeat_at > now() - make_interval(secs => %s)"
                            " order by worker",
                            [settings.stale_after_seconds],
                        )
                    ).fetchall()
                ]
            runs = RunStore(state.pool)
            queue = await runs.status_counts()
            last_ok = await runs.last_successful_build()
            database = DatabaseStatus(True, server)
        except (TimeoutError, psycopg.OperationalError, Exception) as exc:
            database = DatabaseStatus(
                False, None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            )
        overall = "healthy" if database.reachable and dbt_ok and workers else "degraded"
        return SystemStatus(
            status=overall,
            version=_version(),
            environment=settings.environment,
            etl_available=dbt_ok and bool(workers),
            supabase_connected=database.reachable,
            target=settings.target_kind,
            database=database,
            dbt_available=dbt_ok,
            queue=queue,
            workers_alive=workers,
            last_successful_build=last_ok,
            timestamp=datetime.now(UTC),
        )
