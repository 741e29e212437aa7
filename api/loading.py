"""Calling the loaders (plain psycopg, blocking) from the async services, and their errors.

The loaders are the only writers of `raw`; they take a sync connection and open their own
transactions, so each call runs in a worker thread on its own short-lived connection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import psycopg

from api.errors import ApiError
from api.settings import ApiSettings
from loaders.core import LoadError

T = TypeVar("T")


async def with_connection(settings: ApiSettings, work: Callable[[psycopg.Connection], T]) -> T:
    """Run `work(conn)` in a thread on a fresh autocommit connection."""

    def call() -> T:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            return work(conn)

    return await anyio.to_thread.run_sync(call)


def invalid_content(exc: LoadError, code: str = "invalid_content") -> ApiError:
    """A loader's LoadError as a 422 naming where in the file or body the problem is."""
    return ApiError(
        422,
        code,
        str(exc),
        [{"file": exc.file, "location": exc.where, "message": exc.message}],
    )
