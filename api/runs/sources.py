"""`source: excel`: re-load the configured workbook and tracker folder before building.

HOOK, NOT WIRED YET: the loaders package has no single "load everything configured" entry point
at the time of writing, so this loads nothing and says so in the run's log. Wiring it is one
call: replace the body with the loaders' entry point and return the rows it loaded.
"""

from __future__ import annotations

from collections.abc import Callable

from api.settings import ApiSettings


def load_excel_sources(settings: ApiSettings, log: Callable[[str, str, str], None]) -> int:
    """Load the configured sources into raw; returns rows loaded."""
    log(
        "warning",
        "load",
        "source=excel: the loader entry point is not wired in yet; nothing was loaded, building from raw as it is",
    )
    return 0
