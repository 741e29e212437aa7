"""Request and response bodies of the staging API (the raw workbook and tracking tables)."""

from __future__ import annotations

from typing import Annotated, Any

from msgspec import Meta, Struct

Name = Annotated[str, Meta(min_length=1, max_length=200)]
Cell = str | int | float | bool | None


class StagingTable(Struct):
    table_name: str
    """The sheet name (dim_player); `blb_dim_player` is accepted wherever a table is named."""
    raw_table: str
    rows: int
    key: list[str]
    columns: list[str]


class StagingTableList(Struct):
    tables: list[StagingTable]


class UploadRows(Struct, forbid_unknown_fields=True, kw_only=True):
    table_name: Name
    data: Annotated[list[dict[str, Any]], Meta(max_length=200_000)]
    replace: bool = False
    """Swap the table's rows for these in one transaction; false appends."""


class UploadResult(Struct):
    table_name: str
    rows_inserted: int
    rows_updated: int
    """Always 0: an upload appends or replaces, it never updates rows in place (the seed's field)."""
    errors: list[str]
    """Always empty on success: a rejected upload is a 4xx naming what is wrong."""
    rows_deleted: int
    """Rows the replace removed (0 when appending)."""
    load_id: int | None
    warnings: int


class UpdateRows(Struct, forbid_unknown_fields=True, kw_only=True):
    table_name: Name
    filter_column: Name
    filter_value: Cell
    """Rows whose filter column holds this value (as text; null matches blank cells)."""
    updates: Annotated[dict[str, Cell], Meta(min_length=1, max_length=200)]


class UpdateResult(Struct):
    table_name: str
    rows_updated: int
    load_id: int | None


class ClearResult(Struct):
    table_name: str
    rows_deleted: int
    status: str = "cleared"


class TrackingResult(Struct):
    game_id: int
    events_inserted: int
    shifts_inserted: int
    errors: list[str]
    """Always empty on success (a rejected game is a 4xx); `outcome` / `reason` say whether the
    rows were replaced or the export was unchanged."""
    outcome: str
    reason: str
    events: int | None
    shifts: int | None
    event_players: int | None
    warnings: int | None
    load_id: int | None
