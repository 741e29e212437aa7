"""The league workbook (BLB_TABLES.xlsx) -> rows for the raw.blb_* tables.

One table per documented sheet; cells become text as written (numbers without a trailing .0,
dates as ISO text). Undocumented columns go into `extra` (json), columns ending in `_` are
spreadsheet helpers and are dropped, unknown sheets are recorded and skipped. A missing sheet or
key column rejects the workbook. `validate_rows` applies the same rules to rows posted to the
API for one table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from loaders.core import BadValue, LoadError, LoadWarning, json_text, text
from loaders.sheets import open_workbook, read_sheet, sheet_names
from loaders.tables import SHEETS_BY_NAME, WORKBOOK_SHEETS, SheetSpec


@dataclass
class SheetSeen:
    """A sheet as the workbook holds it (raw.workbook_sheets)."""

    sheet: str
    known: bool
    table_name: str | None
    row_count: int
    extra_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)

    def as_row(self) -> tuple:
        return (
            self.sheet,
            self.known,
            self.table_name,
            self.row_count,
            self.extra_columns,
            self.ignored_columns,
            self.missing_columns,
        )


@dataclass
class ParsedWorkbook:
    """Rows per documented sheet: tuples of (sheet, row_number, *spec.columns, extra json)."""

    tables: dict[SheetSpec, list[tuple]]
    sheets: list[SheetSeen]
    warnings: list[LoadWarning]


def cell_text(value: object) -> str | None:
    """A workbook cell as text; whatever type a cell has, it is kept (never an error)."""
    if isinstance(value, timedelta):
        return str(value)
    try:
        return text(value)
    except BadValue:
        return str(value)


@dataclass
class _Layout:
    """Where each documented column sits in a header, and what else the header holds."""

    positions: list[int | None]
    extra: list[tuple[str, int]]
    seen: SheetSeen
    warnings: list[LoadWarning]


def _layout(
    spec: SheetSpec, header: list[str], where: str, file_name: str, row_count: int
) -> _Layout:
    seen = SheetSeen(where, True, spec.table, row_count)
    warnings: list[LoadWarning] = []
    found: dict[str, int] = {}
    extra: list[tuple[str, int]] = []
    for position, written in enumerate(header):
        name = written.strip().lower()
        if not name:
            continue
        if name.endswith("_"):
            seen.ignored_columns.append(written)
            continue
        name = spec.aliases.get(name, name)
        if name in found or any(name == e for e, _ in extra):
            warnings.append(
                LoadWarning(
                    "duplicate_column",
                    f"sheet {where}, column {written}",
                    "column appears twice; the first is loaded",
                    spec.table,
                )
            )
            continue
        if name in spec.columns:
            found[name] = position
        else:
            extra.append((written.strip(), position))
            seen.extra_columns.append(written.strip())
    for key in spec.key:
        if key not in found:
            raise LoadError(file_name, f"sheet {where}, column {key}", "missing key column")
    for column in spec.columns:
        if column not in found:
            seen.missing_columns.append(column)
    if seen.missing_columns:
        warnings.append(
            LoadWarning(
                "missing_columns",
                f"sheet {where}",
                f"documented column(s) absent, loaded as null: {', '.join(seen.missing_columns)}",
                spec.table,
            )
        )
    return _Layout([found.get(c) for c in spec.columns], extra, seen, warnings)


def _rows(
    spec: SheetSpec, layout: _Layout, records: list[list], first_row: int, where: str
) -> list[tuple]:
    rows = []
    key_positions = [spec.columns.index(k) for k in spec.key]
    for offset, record in enumerate(records):
        width = len(record)
        values = [
            cell_text(record[p]) if p is not None and p < width else None for p in layout.positions
        ]
        extra = {
            name: cell_text(record[p])
            for name, p in layout.extra
            if p < width and record[p] not in ("", None)
        }
        if all(v is None for v in values) and not extra:
            continue  # a blank row inside the sheet
        row_number = first_row + offset
        if any(values[k] is None for k in key_positions):
            layout.warnings.append(
                LoadWarning(
                    "blank_key",
                    f"sheet {where}, row {row_number}",
                    f"key {', '.join(spec.key)} is blank; the row is loaded as written",
                    spec.table,
                )
            )
        rows.append((where, row_number, *values, json_text(extra) if extra else "{}"))
    return rows


def parse_workbook(data: bytes, file_name: str) -> ParsedWorkbook:
    """BLB_TABLES.xlsx bytes -> ParsedWorkbook. Raises LoadError naming sheet and column."""
    workbook = open_workbook(data, file_name)
    names = sheet_names(workbook)
    tables: dict[SheetSpec, list[tuple]] = {}
    sheets: list[SheetSeen] = []
    warnings: list[LoadWarning] = []
    for spec in WORKBOOK_SHEETS:
        if spec.name not in names:
            raise LoadError(file_name, f"sheet {spec.name}", "missing required sheet")
        sheet = read_sheet(workbook, names[spec.name], file_name)
        layout = _layout(spec, sheet.columns, sheet.name, file_name, 0)
        tables[spec] = _rows(spec, layout, sheet.rows, sheet.first_row, sheet.name)
        layout.seen.row_count = len(tables[spec])
        sheets.append(layout.seen)
        warnings.extend(layout.warnings)
    for lowered, written in names.items():
        if lowered not in SHEETS_BY_NAME:
            sheets.append(SheetSeen(written, False, None, 0))
            warnings.append(
                LoadWarning(
                    "unknown_sheet",
                    f"sheet {written}",
                    "not a documented sheet: recorded, not loaded",
                )
            )
    return ParsedWorkbook(tables, sheets, warnings)


def spec_for(table_name: str) -> SheetSpec | None:
    """The sheet spec for `dim_player` or `blb_dim_player`."""
    name = table_name.strip().lower()
    return SHEETS_BY_NAME.get(name.removeprefix("blb_"))


def known_spec(table_name: str, label: str) -> SheetSpec:
    """The sheet spec for a table named in posted rows or an edit; LoadError when unknown."""
    spec = spec_for(table_name)
    if spec is None:
        raise LoadError(label, f"table {table_name}", "unknown workbook table")
    return spec


def undocumented_columns(spec: SheetSpec, names: Iterable[str]) -> list[str]:
    """The names, sorted, that are neither a documented column of the sheet (in any case, or a
    documented alias) nor a spreadsheet helper column (ending in `_`)."""
    return sorted(
        {
            name
            for name in names
            if not name.strip().lower().endswith("_")
            and spec.aliases.get(name.strip().lower(), name.strip().lower()) not in spec.columns
        }
    )


def validate_rows(
    table_name: str,
    records: list[dict],
    *,
    unknown_columns: str = "reject",
    label: str = "posted rows",
) -> tuple[SheetSpec, list[tuple], list[LoadWarning]]:
    """Rows posted for one workbook table -> (spec, rows, warnings), by the workbook's rules.

    `unknown_columns="reject"` (the API's default) raises LoadError listing the columns the table
    does not document; `"keep"` stores them in `extra` like a workbook load does. Columns ending in
    `_` are dropped; a key column absent from every row is an error.
    """
    spec = known_spec(table_name, label)
    if unknown_columns not in ("reject", "keep"):
        raise ValueError("unknown_columns is 'reject' or 'keep'")
    header: list[str] = []
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise LoadError(label, f"rows[{index}]", "expected an object of column: value")
        for column in record:
            if column not in header:
                header.append(column)
    if unknown_columns == "reject":
        unknown = undocumented_columns(spec, header)
        if unknown:
            raise LoadError(label, f"table {spec.name}", f"unknown column(s): {', '.join(unknown)}")
    for index, record in enumerate(records):
        for column, value in record.items():
            if isinstance(value, (dict, list)):
                raise LoadError(
                    label, f"rows[{index}].{column}", "expected a single value, got a nested one"
                )
    layout = _layout(spec, header, spec.name, label, len(records))
    matrix = [[record.get(column) for column in header] for record in records]
    rows = _rows(spec, layout, matrix, 0, spec.name)
    return spec, rows, layout.warnings
