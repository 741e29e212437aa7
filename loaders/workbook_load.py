"""Loading the league workbook, and the API's writes to one workbook table: rows posted, rows
updated by a filter, the table cleared.

Each is one transaction with a raw.loads row (source 'api' for the API's writes) and the load's
lineage on every row it writes, so a table's rows say where they came from however they came.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import psycopg

from loaders import store
from loaders.core import LoadError
from loaders.workbook import cell_text, known_spec, parse_workbook, validate_rows


@dataclass
class WorkbookOutcome:
    path: str
    outcome: str
    reason: str
    load_id: int | None = None
    tables: dict[str, int] = field(default_factory=dict)
    """Rows written (loaded or updated), by sheet name."""
    deleted: dict[str, int] = field(default_factory=dict)
    """Rows a replace or a clear removed, by sheet name."""
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
    try:
        load_id, deleted = store.store_workbook_tables(
            conn,
            parsed.tables,
            parsed.warnings,
            lineage,
            kind="workbook",
            sheets_seen=[seen.as_row() for seen in parsed.sheets],
        )
    except psycopg.Error as exc:  # rolled back (or never committed: the server went away)
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return WorkbookOutcome(
            str(path),
            store.REJECTED,
            f"{path.name}: the database refused the rows ({first_line}); nothing was written",
            seconds=time.perf_counter() - started,
        )
    return WorkbookOutcome(
        str(path),
        store.REPLACED,
        "workbook tables replaced",
        load_id,
        tables={spec.name: len(rows) for spec, rows in parsed.tables.items()},
        deleted=deleted,
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
    load_id, deleted = store.store_workbook_tables(
        conn, {spec: parsed_rows}, warnings, lineage, kind="workbook_rows", replace=replace
    )
    return WorkbookOutcome(
        name,
        store.REPLACED if replace else store.LOADED,
        "table replaced" if replace else "rows appended",
        load_id,
        tables={spec.name: len(parsed_rows)},
        deleted=deleted,
        warnings=len(warnings),
    )


def update_workbook_rows(
    conn: psycopg.Connection,
    table_name: str,
    filter_column: str,
    filter_value: object,
    updates: dict[str, object],
    *,
    label: str | None = None,
) -> WorkbookOutcome:
    """Set `updates` (column -> value) on the rows of one workbook table whose `filter_column`
    holds `filter_value`, source 'api'; one transaction.

    Columns are documented names or aliases (anything else raises LoadError naming them, and
    nothing is written); values are stored as the workbook stores cells (`cell_text`), and a None
    filter value matches blank cells. The rows keep their place in the file and take this edit's
    lineage. Outcome `updated`; load_id None when no row matched (nothing written).
    """
    name = label or f"api:{table_name}"
    spec = known_spec(table_name, name)
    columns = {column: spec.column(column) for column in (filter_column, *updates)}
    unknown = sorted(column for column, found in columns.items() if found is None)
    if unknown:
        raise LoadError(name, f"table {spec.name}", f"unknown column(s): {', '.join(unknown)}")
    edit = {
        "table_name": table_name,
        "filter_column": filter_column,
        "filter_value": filter_value,
        "updates": updates,
    }
    lineage = store.Lineage(
        "api", name, name, hashlib.sha256(msgspec.json.encode(edit)).hexdigest()
    )
    updated, load_id = store.update_workbook_table(
        conn,
        spec,
        {columns[column]: cell_text(value) for column, value in updates.items()},
        columns[filter_column],
        cell_text(filter_value),
        lineage,
    )
    return WorkbookOutcome(
        name, store.UPDATED, "rows updated", load_id, tables={spec.name: updated}
    )


def clear_workbook_table(
    conn: psycopg.Connection, table_name: str, *, label: str | None = None
) -> WorkbookOutcome:
    """Empty one workbook table (and its load warnings), source 'api'; recorded as a load."""
    name = label or f"api:{table_name}"
    spec = known_spec(table_name, name)
    lineage = store.Lineage("api", name, name, None)
    deleted, load_id = store.clear_workbook_table(
        conn, spec, lineage, "table cleared through the API"
    )
    return WorkbookOutcome(
        name, store.CLEARED, "table cleared", load_id, deleted={spec.name: deleted}
    )
