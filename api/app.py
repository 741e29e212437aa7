"""The application factory: `create_app(settings=None)`.

Nothing happens on import. Settings are read once (here or by the caller), the connection pool
and the Procrastinate app open on startup and close on shutdown, and `serve --with-worker` runs
the worker inside the same event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator

from litestar import Litestar, get
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.response import Redirect
from psycopg_pool import AsyncConnectionPool

from api.auth.middleware import OPEN_PATHS, ApiKeyMiddleware
from api.deps import API_KEY_ID
from api.docs import asset_routers, openapi_config
from api.errors import EXCEPTION_HANDLERS
from api.games.controller import games_routes
from api.health.controller import HealthController, _version
from api.lineage.controller import lineage_file, lineage_index
from api.ml.controller import MlController
from api.ml.dispatch import MlDispatchController
from api.ml.lines import MlLinesController
from api.ml.more import MlMoreController
from api.ml.players import MlPlayersController
from api.portal.controller import portal, portal_file, root
from api.portal.data import PortalDataController
from api.runs.controller import RunsController
from api.settings import ApiSettings, load_settings
from api.staging.controller import staging_routes
from api.upload.controller import UploadController


@get("/docs", include_in_schema=False)
async def swagger_ui() -> Redirect:
    return Redirect(path="/schema/swagger")


@get("/redoc", include_in_schema=False)
async def redoc() -> Redirect:
    return Redirect(path="/schema/redoc")


def _warm_manifest(settings: ApiSettings, stop: threading.Event) -> None:
    from benchsight.db import connection_env
    from dbt_project.commands import dbt_environment
    from dbt_project.manifest import ManifestError, load_index

    with contextlib.suppress(ManifestError, OSError):
        load_index(
            settings.project_dir,
            settings.manifest_cache_dir,
            dbt_environment(connection_env(settings.database_url)),
            stop,
        )


def create_app(settings: ApiSettings | None = None, with_worker: bool = False) -> Litestar:
    settings = settings or load_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # Procrastinate logs every periodic tick at INFO: once a minute, forever. Warnings only.
        logging.getLogger("procrastinate").setLevel(logging.WARNING)
        from api.queue import make_app, run_worker

        # No server-side prepared statements: DATABASE_URL may be a transaction pooler's.
        pool = AsyncConnectionPool(
            settings.database_url,
            min_size=2,
            max_size=20,
            open=False,
            kwargs={"autocommit": True, "prepare_threshold": None},
        )
        await pool.open(wait=False)
        # The queue needs a session (search_path, LISTEN): the worker URL when one is set.
        queue = make_app(settings.with_(database_url=settings.queue_url))
        app.state.pool = pool
        app.state.queue = queue
        worker = None
        # Parse the dbt project now, so the first trigger does not wait for `dbt parse`.
        # A shutdown kills a parse still running (the event loop would wait for its thread).
        stop_warming = threading.Event()
        warm = asyncio.create_task(
            asyncio.to_thread(_warm_manifest, settings, stop_warming), name="warm-manifest"
        )
        async with queue.open_async():
            if with_worker:
                worker = asyncio.create_task(
                    run_worker(
                        settings.with_(database_url=settings.queue_url),
                        install_signal_handlers=False,
                    ),
                    name="worker",
                )
            try:
                yield
            finally:
                if worker is not None:
                    worker.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await worker
                stop_warming.set()
                warm.cancel()
                await pool.close()

    cors = (
        CORSConfig(
            allow_origins=list(settings.cors_origins),
            allow_headers=[
                "Authorization",
                "X-API-Key",
                "Content-Type",
                "Idempotency-Key",
                "Last-Event-ID",
            ],
            expose_headers=["X-Next-Cursor"],
        )
        if settings.cors_origins
        else None
    )
    return Litestar(
        route_handlers=[
            HealthController,
            RunsController,
            MlController,
            MlDispatchController,
            MlLinesController,
            MlMoreController,
            MlPlayersController,
            *games_routes(settings),
            *staging_routes(settings),
            UploadController,
            swagger_ui,
            redoc,
            portal,
            portal_file,
            root,
            PortalDataController,
            lineage_index,
            lineage_file,
            *asset_routers(),
        ],
        lifespan=[lifespan],
        middleware=[DefineMiddleware(ApiKeyMiddleware, exclude=[f"^{p}" for p in OPEN_PATHS])],
        dependencies=API_KEY_ID,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=openapi_config(_version()),
        cors_config=cors,
        request_max_body_size=settings.max_body_bytes,
        state=State({"settings": settings}),
        debug=False,
    )
