"""Calling the loaders (plain psycopg, blocking) from the async services, and their answers.

The loaders are the only writers of `raw` (tests/test_raw_writers.py holds every other package
to that); they take a sync connection and open their own transactions, so each call runs in a
worker thread on its own short-lived connection. A loader's LoadError, a workbook table's
unknown columns and a tracking load's outcome leave every endpoint in the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import anyio
import psycopg

from api.errors import ApiError
from api.settings import ApiSettings
from loaders.core import LoadError

if TYPE_CHECKING:
    from loaders.tracking import FileOutcome

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


def unknown_columns(table_name: str, names: list[str], field: str) -> ApiError:
    """A 422 listing the columns a workbook table does not document (`field`: where they were)."""
    return ApiError(
        422,
        "unknown_columns",
        f"{table_name} has no column(s): {', '.join(names)}",
        [{"field": field, "values": names}],
    )


def tracking_load_fields(outcome: FileOutcome) -> dict:
    """What every tracking upload answers about the load, from the loader's outcome."""
    return {
        "outcome": outcome.outcome,
        "reason": outcome.reason,
        "events": outcome.events,
        "shifts": outcome.shifts,
        "event_players": outcome.event_players,
        "warnings": outcome.warnings,
        "load_id": outcome.load_id,
    }
