"""The thin database layer: one transaction per game (or workbook), rows COPYed from memory.

Everything here takes parsed values (`ParsedGame`, `ParsedWorkbook`) and a psycopg connection;
parsing and validation happened before, so a rejected file never reaches this module and never
writes anything. Replacing a game is: take the game's advisory lock, compare with the chosen
export in the manifest (unchanged / skipped-older / load), delete the game's rows, COPY the new
ones, record the load, the warnings and the manifest, commit.

The API's edits of workbook tables (rows updated by a filter, a table cleared) are written here
too, under the workbook lock and with a raw.loads row like a load: the locks stay private to the
loaders, and whatever writes `raw` records its lineage the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import msgspec
import psycopg
from psycopg import pq, sql
from psycopg.adapt import Transformer

from loaders.core import LoadWarning, ParsedGame

try:  # psycopg's text row formatter (C in psycopg-binary); the same one Copy.write_row uses
    from psycopg._copy_base import format_row_text as _format_row_text
except ImportError:  # a psycopg without it: fall back to write_row
    _format_row_text = None
from loaders.tables import (
    LINEAGE,
    ROW_KINDS,
    TRACKER_TABLES,
    WARNING_COLUMNS,
    SheetSpec,
    tracker_lineage,
    workbook_columns,
)

# Lock namespaces for pg_advisory_xact_lock(namespace, key): loads of one game (or of the
# workbook) serialise, loads of different games run side by side.
_GAME_LOCK = 0x42534C47  # "BSLG"
_WORKBOOK_LOCK = 0x42534C57  # "BSLW"

LOADED = "loaded"
REPLACED = "replaced"
UPDATED = "updated"
CLEARED = "cleared"
UNCHANGED = "unchanged"
SKIPPED_OLDER = "skipped-older"
REJECTED = "rejected"
IGNORED = "ignored"  # a JSON file found in a folder that is not a tracker export


@dataclass(frozen=True)
class CopyText:
    """Rows already formatted as text COPY lines, without the lineage columns (see encode_game)."""

    data: bytes
    """UTF-8, one line per row, each ending in a newline."""
    count: int

    def __len__(self) -> int:
        return self.count


def encode_game(game: ParsedGame) -> ParsedGame:
    """The game with each table's rows formatted as COPY text (pure; no connection needed).

    The parse process of a batch sends games this way: formatting there costs what formatting
    in the loader would, and the bytes cross the pipe for nothing, where the row tuples had to be
    serialised and rebuilt (a third of the batch's CPU besides the database's).
    """
    if _format_row_text is None:
        return game
    rows = {
        table: table_rows if isinstance(table_rows, CopyText) else format_rows(table, table_rows)
        for table, table_rows in game.rows.items()
    }
    return replace(game, rows=rows)


_KIND_OIDS = {"str": 25, "int": 20, "number": 1700, "float": 701, "bool": 16}
"""The dumper each kind of value (tables.ROW_KINDS) is formatted with. COPY text does not care
which type a dumper is for: each one writes the same text as psycopg's own choice for the value
(text, int, Decimal-style number, float repr, t/f), only without choosing it value by value."""


def format_rows(table: str, rows: Sequence[tuple]) -> CopyText:
    """A tracker table's rows as COPY text lines (psycopg's own C row formatter).

    With each column's dumper fixed in advance (tables.ROW_KINDS) formatting takes a third of
    the time of finding a dumper for every value, which was a quarter of a batch's CPU. A row
    holding a value of another type (a fraction of a second in a `number` column) is formatted
    value by value instead: the same bytes either way.
    """
    untyped = Transformer()
    buffer = bytearray()
    kinds = ROW_KINDS.get(table)
    if kinds is None:
        for row in rows:
            _format_row_text(row, untyped, buffer)
        return CopyText(bytes(buffer), len(rows))
    typed = Transformer()
    typed.set_dumper_types([_KIND_OIDS[kind] for kind in kinds], pq.Format.TEXT)
    for row in rows:
        mark = len(buffer)
        try:
            _format_row_text(row, typed, buffer)
        except (TypeError, psycopg.DataError):
            del buffer[mark:]
            _format_row_text(row, untyped, buffer)
    return CopyText(bytes(buffer), len(rows))


@dataclass
class Lineage:
    """Where a batch of rows came from: in raw.loads, on every workbook row and on the game's
    row in raw.tracker_games (other tracker rows reach it through their load_id)."""

    source: str  # 'file' | 'api'
    file_path: str
    file_name: str
    sha256: str | None  # None: no content to hash (a table cleared)


@dataclass
class GameOutcome:
    outcome: str
    reason: str
    load_id: int | None = None


def copy_rows(
    cursor: psycopg.Cursor,
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple] | CopyText,
    prefix: tuple = (),
) -> None:
    """COPY rows (each prefixed with the constant lineage values) into raw.<table>.

    Rows are formatted by psycopg's own C row formatter into one buffer and sent with a single
    write: the same bytes `write_row` produces, without two Python calls per row (a third of the
    loader's time on a real game). The lineage prefix is formatted once and put in front of
    every line (text COPY escapes a newline inside a value, so every newline ends a row).
    """
    if not rows:  # nothing to send: spare the two round trips of an empty COPY
        return
    with cursor.copy(_copy_statement(table, tuple(columns))) as copy:
        transformer = getattr(getattr(copy, "formatter", None), "transformer", None)
        if isinstance(rows, CopyText):
            transformer = transformer or Transformer.from_context(cursor)
            buffer = bytearray(rows.data)
            encoding = cursor.connection.info.encoding
            if buffer and encoding != "utf-8":  # COPY escapes are ASCII: re-encoding is exact
                buffer = bytearray(rows.data.decode().encode(encoding))
        elif _format_row_text is None or transformer is None:
            for row in rows:
                copy.write_row(prefix + row)
            return
        else:
            buffer = bytearray()
            for row in rows:
                _format_row_text(row, transformer, buffer)
        if buffer and prefix:
            head = bytearray()
            _format_row_text(prefix, transformer, head)
            head[-1:] = b"\t"  # the prefix's line end becomes the separator before the row
            buffer = head + buffer[:-1].replace(b"\n", b"\n" + head) + b"\n"
        if buffer:
            copy.write(buffer)


@functools.cache
def _copy_statement(table: str, columns: tuple[str, ...]) -> bytes:
    """The COPY statement of a table and column list, composed once (a load sends thousands)."""
    return (
        sql.SQL("copy {} ({}) from stdin")
        .format(sql.Identifier("raw", table), sql.SQL(", ").join(map(sql.Identifier, columns)))
        .as_string(None)
        .encode()
    )


_DELETE_GAME = (
    sql.SQL("with {} select 1")
    .format(
        sql.SQL(", ").join(
            sql.SQL("{} as (delete from {} where game_id = %(game_id)s)").format(
                sql.Identifier(f"deleted_{position}"), sql.Identifier("raw", table)
            )
            for position, table in enumerate((*TRACKER_TABLES, "load_warnings"))
        )
    )
    .as_string(None)
)
"""Every raw row of a game, its load warnings included, deleted in one statement."""


@dataclass(frozen=True)
class ChosenExport:
    """The manifest row of a game's loaded export."""

    sha256: str
    exported_at: datetime | None
    file_name: str
    version: str | None
    events: int | None
    shifts: int | None
    event_players: int | None
    file_path: str
    source_format: str


def chosen_export(conn: psycopg.Connection, game_id: int) -> ChosenExport | None:
    row = conn.execute(
        "select file_sha256, exported_at, file_name, version, event_count, shift_count,"
        " event_player_count, file_path, source_format"
        " from raw.tracking_files where game_id = %s and chosen",
        [game_id],
    ).fetchone()
    return ChosenExport(*row) if row else None


def record_copy(
    conn: psycopg.Connection, game_id: int, current: ChosenExport, lineage: Lineage
) -> None:
    """A byte-identical copy of the loaded export at another path: listed in the manifest (a
    file seen, not chosen), nothing else written. A path already listed is left as it is."""
    conn.execute(
        """
        insert into raw.tracking_files (source, file_path, file_name, file_sha256, game_id,
            source_format, version, exported_at, event_count, shift_count, event_player_count,
            chosen, reason)
        values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, false, %s)
        on conflict (file_path, file_sha256) do nothing
        """,
        [
            lineage.source,
            lineage.file_path,
            lineage.file_name,
            lineage.sha256,
            game_id,
            current.source_format,
            current.version,
            current.exported_at,
            current.events,
            current.shifts,
            current.event_players,
            f"same content as the loaded export {current.file_path}",
        ],
    )


def decide(
    current: ChosenExport | None, sha256: str, exported_at: datetime | None, force: bool
) -> GameOutcome | None:
    """Unchanged / skipped-older against the chosen export, or None when the file should load."""
    if current is None or force:
        return None
    if current.sha256 == sha256:
        return GameOutcome(UNCHANGED, f"same content as the loaded export {current.file_name}")
    if (
        current.exported_at is not None
        and exported_at is not None
        and exported_at < current.exported_at
    ):
        return GameOutcome(
            SKIPPED_OLDER,
            f"exported {exported_at.isoformat()}, older than the loaded {current.file_name} "
            f"({current.exported_at.isoformat()})",
        )
    return None


def lock_game(cur: psycopg.Cursor, game_id: int) -> None:
    """Hold the game's lock until the transaction ends: a load, an edit and a delete of one game
    serialise (and what they checked still holds when they write); other games go on."""
    cur.execute("select pg_advisory_xact_lock(%s, %s)", [_GAME_LOCK, game_id])


def _lock_workbook(cur: psycopg.Cursor) -> None:
    """Hold the workbook lock until the transaction ends: writes to raw.blb_* tables serialise."""
    cur.execute("select pg_advisory_xact_lock(%s, 0)", [_WORKBOOK_LOCK])


def store_game(
    conn: psycopg.Connection, game: ParsedGame, lineage: Lineage, *, force: bool = False
) -> GameOutcome:
    """Replace one game's raw rows in one transaction, unless unchanged or older (see decide)."""
    with conn.transaction(), conn.cursor() as cur:
        lock_game(cur, game.game_id)
        current = chosen_export(conn, game.game_id)
        verdict = decide(current, lineage.sha256, game.exported_at, force)
        if verdict is not None and verdict.outcome == UNCHANGED:
            return verdict
        counts = {
            "events": game.event_count,
            "shifts": game.shift_count,
            "event_players": game.event_player_count,
            "warnings": len(game.warnings),
        }
        if verdict is not None:  # skipped-older: only the manifest learns about the file
            load_id = _insert_load(cur, "tracking", lineage, game.game_id, None, verdict, counts)
            _record_file(cur, game, lineage, load_id, chosen=False, reason=verdict.reason)
            verdict.load_id = load_id
            return verdict
        if current is None:
            outcome = GameOutcome(LOADED, "forced" if force else "first export of this game")
        else:
            why = "forced reload" if force else "newer export"
            outcome = GameOutcome(REPLACED, f"{why}; replaces {current.file_name}")
        load_id = _insert_load(cur, "tracking", lineage, game.game_id, None, outcome, counts)
        # Never prepared: a generic plan made while the tables were small (a first load) would
        # keep scanning them whole as they grow; a custom plan sees each table's current size.
        cur.execute(_DELETE_GAME, {"game_id": game.game_id}, prepare=False)
        file_prefix = (load_id, lineage.source, lineage.file_name, lineage.sha256)
        rows = encode_game(game).rows  # COPY text (a game from a parse process already is)
        for table, columns in TRACKER_TABLES.items():
            lineage_columns = tracker_lineage(table)
            prefix = file_prefix if lineage_columns == LINEAGE else (load_id,)
            copy_rows(cur, table, (*lineage_columns, *columns), rows[table], prefix)
        write_warnings(cur, load_id, lineage, game.warnings, game_id=game.game_id)
        cur.execute(
            "update raw.tracking_files set chosen = false, reason = %s"
            " where game_id = %s and chosen",
            [f"superseded by {lineage.file_name}", game.game_id],
        )
        _record_file(cur, game, lineage, load_id, chosen=True, reason=outcome.reason)
        outcome.load_id = load_id
        return outcome


def write_warnings(
    cur: psycopg.Cursor,
    load_id: int,
    lineage: Lineage,
    warnings: Sequence[LoadWarning],
    *,
    game_id: int | None = None,
) -> None:
    rows = [
        (
            load_id,
            lineage.source,
            lineage.file_name,
            lineage.sha256,
            game_id,
            w.table_name,
            w.location,
            w.code,
            w.message,
        )
        for w in warnings
    ]
    copy_rows(cur, "load_warnings", WARNING_COLUMNS, rows)


def _insert_load(
    cur: psycopg.Cursor,
    kind: str,
    lineage: Lineage,
    game_id: int | None,
    table_name: str | None,
    outcome: GameOutcome,
    counts: dict,
) -> int:
    cur.execute(
        """
        insert into raw.loads (kind, source, file_path, file_name, file_sha256, game_id,
                               table_name, outcome, reason, row_counts)
        values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb)
        returning load_id
        """,
        [
            kind,
            lineage.source,
            lineage.file_path,
            lineage.file_name,
            lineage.sha256,
            game_id,
            table_name,
            outcome.outcome,
            outcome.reason,
            msgspec.json.encode(counts).decode(),
        ],
    )
    return cur.fetchone()[0]


def _record_file(
    cur: psycopg.Cursor,
    game: ParsedGame,
    lineage: Lineage,
    load_id: int,
    *,
    chosen: bool,
    reason: str,
) -> None:
    cur.execute(
        """
        insert into raw.tracking_files (load_id, source, file_path, file_name, file_sha256,
            game_id, source_format, version, exported_at, event_count, shift_count,
            event_player_count, chosen, reason)
        values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        on conflict (file_path, file_sha256) do update set
            load_id = excluded.load_id, chosen = excluded.chosen, reason = excluded.reason,
            seen_at = now()
        """,
        [
            load_id,
            lineage.source,
            lineage.file_path,
            lineage.file_name,
            lineage.sha256,
            game.game_id,
            game.source_format,
            game.version,
            game.exported_at,
            game.event_count,
            game.shift_count,
            game.event_player_count,
            chosen,
            reason,
        ],
    )


def store_workbook_tables(
    conn: psycopg.Connection,
    tables: dict[SheetSpec, list[tuple]],
    warnings: Sequence[LoadWarning],
    lineage: Lineage,
    *,
    kind: str,
    replace: bool = True,
    sheets_seen: Sequence[tuple] = (),
) -> tuple[int, dict[str, int]]:
    """Write workbook tables in one transaction; `replace` empties each given table first.

    Rows are (sheet, row_number, *documented columns, extra json). Warnings about these tables
    replace the earlier warnings of the same tables. Returns the load id and the rows the replace
    deleted, by sheet name (empty when appending).
    """
    table_names = [spec.table for spec in tables]
    counts = {spec.table: len(rows) for spec, rows in tables.items()}
    with conn.transaction(), conn.cursor() as cur:
        _lock_workbook(cur)
        outcome = GameOutcome(
            REPLACED if replace else LOADED,
            "workbook load" if kind == "workbook" else "posted rows",
        )
        single = table_names[0] if len(table_names) == 1 else None
        load_id = _insert_load(cur, kind, lineage, None, single, outcome, counts)
        deleted = _empty_workbook_tables(cur, tables) if replace else {}
        if kind == "workbook":
            cur.execute(
                "delete from raw.load_warnings where game_id is null and table_name is null"
            )
            cur.execute("delete from raw.workbook_sheets")
            copy_rows(
                cur,
                "workbook_sheets",
                (
                    "load_id",
                    "file_name",
                    "file_sha256",
                    "sheet",
                    "known",
                    "table_name",
                    "row_count",
                    "extra_columns",
                    "ignored_columns",
                    "missing_columns",
                ),
                sheets_seen,
                (load_id, lineage.file_name, lineage.sha256),
            )
        prefix = (load_id, lineage.source, lineage.file_name, lineage.sha256)
        for spec, rows in tables.items():
            copy_rows(cur, spec.table, workbook_columns(spec), rows, prefix)
        write_warnings(cur, load_id, lineage, warnings)
        return load_id, deleted


def _empty_workbook_tables(cur: psycopg.Cursor, specs: Iterable[SheetSpec]) -> dict[str, int]:
    """Delete every row of these workbook tables and the load warnings about them; returns the
    rows deleted, by sheet name."""
    specs = list(specs)
    deleted = {}
    for spec in specs:
        cur.execute(sql.SQL("delete from {}").format(sql.Identifier("raw", spec.table)))
        deleted[spec.name] = cur.rowcount
    cur.execute(
        "delete from raw.load_warnings where game_id is null and table_name = any(%s)",
        [[spec.table for spec in specs]],
    )
    return deleted


def update_workbook_table(
    conn: psycopg.Connection,
    spec: SheetSpec,
    assignments: dict[str, str | None],
    filter_column: str,
    match_value: str | None,
    lineage: Lineage,
) -> tuple[int, int | None]:
    """Set `assignments` (documented column -> text) on the rows of one workbook table whose
    `filter_column` holds `match_value` (None matches blank cells), in one transaction.

    The rows keep their place in the file (sheet, row_number) and take this edit's lineage.
    Returns the rows updated and the load id; when no row matches nothing is written, no load
    recorded (load id None). Column names must be documented ones: they are quoted, never
    checked, here.
    """
    condition = (
        sql.SQL("{} is null") if match_value is None else sql.SQL("{} = %(match)s")
    ).format(sql.Identifier(filter_column))
    statement = sql.SQL(
        "update {} set {}, load_id = %(load_id)s, source = %(source)s, file_name = %(file_name)s,"
        " file_sha256 = %(sha256)s, loaded_at = now() where {}"
    ).format(
        sql.Identifier("raw", spec.table),
        sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(f"set_{position}"))
            for position, column in enumerate(assignments)
        ),
        condition,
    )
    params = {f"set_{position}": value for position, value in enumerate(assignments.values())}
    params |= {
        "source": lineage.source,
        "file_name": lineage.file_name,
        "sha256": lineage.sha256,
        "match": match_value,
    }
    reason = f"rows where {filter_column} = {match_value!r}"
    updated, load_id = 0, None
    with conn.transaction(), conn.cursor() as cur:
        _lock_workbook(cur)
        outcome = GameOutcome(UPDATED, reason)
        params["load_id"] = _insert_load(
            cur, "workbook_rows", lineage, None, spec.table, outcome, {}
        )
        cur.execute(statement, params)
        if cur.rowcount == 0:  # nothing written: no load to record
            raise psycopg.Rollback
        updated, load_id = cur.rowcount, params["load_id"]
        cur.execute(
            "update raw.loads set row_counts = %s::jsonb where load_id = %s",
            [msgspec.json.encode({spec.table: updated}).decode(), load_id],
        )
    return updated, load_id


def clear_workbook_table(
    conn: psycopg.Connection, spec: SheetSpec, lineage: Lineage, reason: str
) -> tuple[int, int]:
    """Empty one workbook table (and its load warnings) in one transaction, recorded as a load
    whose row count is the rows deleted. Returns the rows deleted and the load id."""
    with conn.transaction(), conn.cursor() as cur:
        _lock_workbook(cur)
        deleted = _empty_workbook_tables(cur, [spec])[spec.name]
        outcome = GameOutcome(CLEARED, reason)
        counts = {spec.table: deleted}
        load_id = _insert_load(cur, "workbook_rows", lineage, None, spec.table, outcome, counts)
    return deleted, load_id
