"""What changed since the last successful build: the selection of an incremental run.

Two kinds of input change. A tracked game's chosen file (its sha256 against the one its last
build used, `RunWriter.changed_games`). And the workbook's rows, whoever wrote them (a newly
loaded workbook, the staging API, the games API): each raw workbook table's data rows (the
documented columns, lineage left out) are digested, per game for the tables keyed by game
(schedule, game rosters) and whole otherwise, and compared with the digests recorded when a
build last covered them (`ops.workbook_builds`, through the store).

What the changes rebuild:
- a changed game (its tracking, its schedule row or its roster rows): that game's rows of the
  incremental models and everything downstream (`config.materialized:incremental+`);
- a changed workbook table: every model downstream of its source (`source:blb.<table>+`), so
  the season tables (standings, season stats) follow; when a game-grained model reads a table
  that is not keyed by game (players, teams), every game is rebuilt, since any may show it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from dbt_project.selection import (
    GAME_EXCLUDE,
    GAME_IDS_VAR,
    GAME_SELECTOR,
    ManifestIndex,
    Selection,
)
from loaders.tables import WORKBOOK_SHEETS

WHOLE_TABLE = ""
SOURCE = "blb"
NOTHING = "nothing changed since the last successful build"


def workbook_digests(conn: psycopg.Connection) -> dict[tuple[str, str], str]:
    """(raw table, game id or '') -> md5 of its data rows, for every workbook table."""
    digests: dict[tuple[str, str], str] = {}
    for spec in WORKBOOK_SHEETS:
        # \N marks a null, so a null and an empty cell differ; \x1f separates the cells.
        row_text = sql.SQL("concat_ws(chr(31), {})").format(
            sql.SQL(", ").join(
                sql.SQL("coalesce({}::text, '\\N')").format(sql.Identifier(c)) for c in spec.columns
            )
        )
        part = (
            sql.SQL("coalesce(game_id::text, '')")
            if "game_id" in spec.columns
            else sql.Literal(WHOLE_TABLE)
        )
        query = sql.SQL(
            "select {part}, md5(string_agg({row}, E'\\n' order by {row})) from {table} group by 1"
        ).format(part=part, row=row_text, table=sql.Identifier("raw", spec.table))
        for key, digest in conn.execute(query):
            digests[(spec.table, key)] = digest
    return digests


@dataclass
class Changes:
    """What an incremental run found changed, and why."""

    games: list[int] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not self.games and not self.tables

    def summary(self) -> dict:
        """The run result's `changed`."""
        return {
            "games": self.games,
            "tables": self.tables,
            "reasons": self.reasons or [NOTHING],
        }

    def selection(self, requested: Selection) -> Selection:
        """The dbt selection that rebuilds the changes, within the request's tables."""
        parts = ([GAME_SELECTOR] if self.games else []) + [
            f"source:{SOURCE}.{table}+" for table in self.tables
        ]
        select = tuple(f"{p},{t}" for p in parts for t in requested.select) or tuple(parts)
        return Selection(
            select=select,
            exclude=requested.exclude
            + tuple(e for e in GAME_EXCLUDE if self.games and e not in requested.exclude),
            vars={GAME_IDS_VAR: self.games} if self.games else {},
        )


def what_changed(
    tracker_games: list[int],
    current: dict[tuple[str, str], str],
    recorded: dict[tuple[str, str], str],
    tracked_games: list[int],
    game_grained_reads: Callable[[], set[str]],
    excluded: set[int],
) -> Changes:
    """The changes since the recorded digests. `game_grained_reads()`: the workbook tables a
    game-grained (incremental) model reads (asked only when a table not keyed by game changed:
    it needs the manifest); `tracked_games`: every game with tracking."""
    changes = Changes()
    games: set[int] = set()
    for game in tracker_games:
        games.add(game)
        changes.reasons.append(f"game {game}: a new tracking file")
    tables: set[str] = set()
    for table, part in sorted(current.keys() | recorded.keys()):
        if current.get((table, part)) == recorded.get((table, part)):
            continue
        tables.add(table)
        if part != WHOLE_TABLE:
            if part.isdigit():
                games.add(int(part))
            what = "rows changed" if (table, part) in recorded else "rows never built"
            if (table, part) not in current:
                what = "rows removed"
            changes.reasons.append(f"{table}: game {part} {what}")
        else:
            what = "changed" if (table, part) in recorded else "never built"
            changes.reasons.append(f"{table}: {what} since the last successful build")
            if tracked_games and table in game_grained_reads():
                games |= set(tracked_games)
                changes.reasons.append(
                    f"{table}: read by the game-grained models, so every tracked game is rebuilt"
                )
    changes.games = sorted(games - excluded)
    changes.tables = sorted(tables)
    return changes


def game_grained_reads(index: ManifestIndex) -> set[str]:
    """The workbook tables (raw names) an incremental model reads, directly or through others."""
    found = set()
    for table in {spec.table for spec in WORKBOOK_SHEETS}:
        source_id = next(
            (k for k in index.children if k.startswith("source.") and k.endswith(f".{table}")),
            None,
        )
        if source_id is None:
            continue
        downstream = index.downstream({source_id})
        if any(
            index.nodes[uid].get("config", {}).get("materialized") == "incremental"
            for uid in downstream
            if uid in index.nodes
        ):
            found.add(table)
    return found
