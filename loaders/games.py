"""One game's rows in raw, edited as a whole: its schedule row added or changed, the game deleted.

The API edits the schedule a game at a time. Each edit checks what raw holds of the game and then
writes, in one transaction under the game's lock (`store.lock_game`), the lock a tracker load of
the game takes: an edit, a delete and a load of one game never interleave, and what the check
found still holds when the write happens. Schedule rows are written by `load_workbook_rows`
(validation, COPY, lineage, source 'api') like any posted rows. A check that refuses the edit is
an answer (None, or `GameDeletion.deleted` false), not an error: nothing is written then.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from loaders import store
from loaders.tables import GAME_TABLES
from loaders.workbook import spec_for
from loaders.workbook_load import WorkbookOutcome, load_workbook_rows

SCHEDULE = spec_for("dim_schedule")
_DELETE_GAME_ROWS = {
    table: sql.SQL("delete from {} where game_id = %s").format(sql.Identifier("raw", table))
    for table in GAME_TABLES
}


@dataclass(frozen=True)
class GameDeletion:
    """What raw held of a game, and whether it was deleted."""

    schedule_rows: int
    tracked: bool
    """The game has tracker rows or files seen (raw.tracker_games, raw.tracking_files)."""
    deleted: bool
    """False when there was nothing to delete, or the game is tracked and its tracking was not
    to be deleted: nothing was written."""
    tracking_rows: dict[str, int]
    """Rows deleted per raw table of the game (GAME_TABLES); empty when it was not tracked."""

    @property
    def found(self) -> bool:
        return bool(self.schedule_rows) or self.tracked


def add_scheduled_game(
    conn: psycopg.Connection, game_id: int, row: dict, *, label: str
) -> WorkbookOutcome | None:
    """Add the schedule row of a game; None, writing nothing, when the game is already scheduled.

    The row is validated like posted dim_schedule rows (LoadError with the location, nothing
    written).
    """
    with conn.transaction(), conn.cursor() as cur:
        store.lock_game(cur, game_id)
        if _scheduled_row(cur, game_id) is not None:
            return None
        return load_workbook_rows(conn, "dim_schedule", [row], replace=False, label=label)


def change_scheduled_game(
    conn: psycopg.Connection, game_id: int, changes: dict, *, label: str
) -> WorkbookOutcome | None:
    """Apply `changes` to a game's schedule row; None, writing nothing, when it is not scheduled.

    The game's schedule rows become one row: the latest row's documented columns and its
    undocumented extras, then the changes (validated like posted rows; undocumented columns the
    row already had are kept).
    """
    with conn.transaction(), conn.cursor() as cur:
        store.lock_game(cur, game_id)
        old = _scheduled_row(cur, game_id)
        if old is None:
            return None
        merged = {column: old.get(column) for column in SCHEDULE.columns}
        merged.update(old.get("extra") or {})
        merged.update(changes)
        merged["game_id"] = str(game_id)
        _delete_schedule_rows(cur, game_id)
        return load_workbook_rows(
            conn,
            "dim_schedule",
            [merged],
            replace=False,
            unknown_columns="keep",
            label=label,
        )


def delete_game(conn: psycopg.Connection, game_id: int, *, with_tracking: bool) -> GameDeletion:
    """Delete a game's schedule rows and, when it is tracked, its rows in every raw table of a
    game (GAME_TABLES); a tracked game is deleted only `with_tracking`. One transaction."""
    with conn.transaction(), conn.cursor() as cur:
        store.lock_game(cur, game_id)
        cur.execute(
            "select count(*) from raw.blb_dim_schedule where btrim(game_id) = %s", [str(game_id)]
        )
        scheduled = cur.fetchone()[0]
        cur.execute(
            "select exists (select 1 from raw.tracker_games where game_id = %s)"
            " or exists (select 1 from raw.tracking_files where game_id = %s)",
            [game_id, game_id],
        )
        tracked = cur.fetchone()[0]
        if (tracked and not with_tracking) or not (scheduled or tracked):
            return GameDeletion(scheduled, tracked, deleted=False, tracking_rows={})
        tracking_rows = {}
        if tracked:
            for table, statement in _DELETE_GAME_ROWS.items():
                cur.execute(statement, [game_id])
                tracking_rows[table] = cur.rowcount
        _delete_schedule_rows(cur, game_id)
        return GameDeletion(scheduled, tracked, deleted=True, tracking_rows=tracking_rows)


def _scheduled_row(cur: psycopg.Cursor, game_id: int) -> dict | None:
    """The game's latest schedule row (as json), or None when it is not scheduled."""
    cur.execute(
        "select to_jsonb(s) from raw.blb_dim_schedule as s where btrim(s.game_id) = %s"
        " order by s.load_id desc limit 1",
        [str(game_id)],
    )
    row = cur.fetchone()
    return row[0] if row else None


def _delete_schedule_rows(cur: psycopg.Cursor, game_id: int) -> None:
    cur.execute("delete from raw.blb_dim_schedule where btrim(game_id) = %s", [str(game_id)])
