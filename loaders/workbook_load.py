"""Loading the league workbook, and rows posted to the API for one workbook table."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import psycopg

from loaders import store
from loaders.core import LoadError
from loaders.workbook import parse_workbook, validate_rows


@dataclass
class WorkbookOutcome:
    path: str
    outcome: str
    reason: str
    load_id: int | None = None
    tables: dict[str, int] = field(default_factory=dict)
    unknown_sheets: list[str] = field(default_factory=list)
    warnings: int = 0
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.outcome == store.REJECTED


def load_workbook_file(conn: psycopg.Connection, path: Path) -> WorkbookOutcome:
    """Parse BLB_TABLES.xlsx and replace all 16 raw.blb_* tables in one transaction.

    A workbook that fails validation is reported as rejected and writes nothing.
    """
    started = time.perf_counter()
    try:
        data = path.read_bytes()
    except OSError as exc:
        return WorkbookOutcome(str(path), store.REJECTED, f"{path}: cannot read ({exc.strerror})")
    try:
        parsed = parse_workbook(data, path.name)
    except LoadError as exc:
        return WorkbookOutcome(
            str(path), store.REJECTED, exc.args[0], seconds=time.perf_counter() - started
        )
    lineage = store.Lineage("file", str(path), path.name, hashlib.sha256(data).hexdigest())
    load_id = store.store_workbook_tables(
        conn,
        parsed.tables,
        parsed.warnings,
        lineage,
        kind="workbook",
        sheets_seen=[seen.as_row() for seen in parsed.sheets],
    )
    return WorkbookOutcome(
        str(path),
        store.REPLACED,
        "workbook tables replaced",
        load_id,
        tables={spec.name: len(rows) for spec, rows in parsed.tables.items()},
        unknown_sheets=[s.sheet for s in parsed.sheets if not s.known],
        warnings=len(parsed.warnings),
        seconds=time.perf_counter() - started,
    )


def load_workbook_rows(
    conn: psycopg.Connection,
    table_name: str,
    rows: list[dict],
    *,
    replace: bool,
    unknown_columns: str = "reject",
    label: str | None = None,
) -> WorkbookOutcome:
    """Write rows posted for one workbook table (`dim_player` or `blb_dim_player`), source 'api'.

    Rows are dicts of column -> value, validated like the workbook sheet (see
    `loaders.workbook.validate_rows`; raises LoadError with the location, writing nothing).
    `replace=True` swaps the table's rows in one transaction; otherwise the rows are appended.
    """
    name = label or f"api:{table_name}"
    spec, parsed_rows, warnings = validate_rows(
        table_name, rows, unknown_columns=unknown_columns, label=name
    )
    sha256 = hashlib.sha256(msgspec.json.encode(rows)).hexdigest()
    lineage = store.Lineage("api", name, name, sha256)
    load_id = store.store_workbook_tables(
        conn, {spec: parsed_rows}, warnings, lineage, kind="workbook_rows", replace=replace
    )
    return WorkbookOutcome(
        name,
        store.REPLACED if replace else store.LOADED,
        "table replaced" if replace else "rows appended",
        load_id,
        tables={spec.name: len(parsed_rows)},
        warnings=len(warnings),
    )
