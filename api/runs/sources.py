"""`source: excel`: re-load the configured workbook and tracker folder before building.

The workbook (BENCHSIGHT_WORKBOOK_PATH) replaces the 16 raw.blb_* tables in one transaction; the
tracker folder (BENCHSIGHT_TRACKER_DIR) is loaded like `benchsight load tracking DIR`: each game's
newest export, unchanged files skipped, one transaction per file. A rejected workbook fails the
run (building from a half-known league would publish wrong numbers); a rejected tracker file is
logged and the others still load, as on the command line.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from api.settings import ApiSettings


class SourceError(RuntimeError):
    """The configured sources could not be loaded; the run fails with this message."""


def load_excel_sources(settings: ApiSettings, log: Callable[[str, str, str], None]) -> int:
    """Load the configured sources into raw; returns rows written."""
    from loaders.tracking import find_tracking_files, load_tracking_paths
    from loaders.workbook_load import load_workbook_file

    workbook, tracker_dir = settings.workbook_path, settings.tracker_dir
    if workbook is None and tracker_dir is None:
        raise SourceError(
            "source=excel needs BENCHSIGHT_WORKBOOK_PATH and/or BENCHSIGHT_TRACKER_DIR; "
            "neither is set (use source=staging to build from what raw holds)"
        )
    rows = 0
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        if workbook is not None:
            if not workbook.is_file():
                raise SourceError(f"BENCHSIGHT_WORKBOOK_PATH {workbook} is not a file")
            outcome = load_workbook_file(conn, workbook)
            if outcome.failed:
                raise SourceError(f"the workbook was rejected: {outcome.reason}")
            written = sum(outcome.tables.values())
            rows += written
            log(
                "info",
                "load",
                f"{workbook.name}: {len(outcome.tables)} tables replaced, {written} rows,"
                f" {outcome.warnings} warning(s)",
            )
        if tracker_dir is not None:
            if not tracker_dir.is_dir():
                raise SourceError(f"BENCHSIGHT_TRACKER_DIR {tracker_dir} is not a folder")
            if not find_tracking_files([tracker_dir]):
                log("warning", "load", f"{tracker_dir}: no tracker files found")
                return rows
            outcomes = load_tracking_paths(conn, [tracker_dir])
            for outcome in outcomes:
                level = "warning" if outcome.failed else "info"
                log(level, "load", f"{outcome.path}: {outcome.outcome} {outcome.reason}".strip())
                if outcome.outcome in ("loaded", "replaced"):
                    rows += outcome.rows or 0
    return rows
