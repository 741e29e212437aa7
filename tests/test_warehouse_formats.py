"""The tracker's Excel exports give the warehouse the same numbers as its JSON.

Two databases get the same league workbook; one loads the fixture games' JSON files, the other
the same games' reduced Excel exports (v29: no team column at all). Both are built with the real
dbt, and every published table is compared row for row, lineage left out. Sides are inferred in
the warehouse from the players for both formats (int_event_sides_inferred), so where the export
holds the information, the numbers agree exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from api_checks import rows
from dbt_harness import run_dbt
from fixture_league import GAME_FILES, build_fixture_workbook
from psycopg import sql

from loaders.tracking import load_tracking_paths
from loaders.workbook_load import load_workbook_file

GAMES = (18969, 18981, 19038)  # the games with both a JSON and a v29 export
# Lineage: which file, load and export a row came from, not what it says.
LINEAGE = {
    "load_id",
    "file_name",
    "file_sha256",
    "source_format",
    "tracker_version",
    "version",
    "exported_at",
    "last_export_at",
    "loaded_at",
    "sheet",
    "row_number",
}
# Tables about the files themselves, not the game.
ABOUT_FILES = {"fact_tracking_files"}
# What the reduced export does not carry, column by column (everything else must be equal):
EXPORT_LIMITS = {
    # No roster sheet: jerseys resolve through the workbook's game roster (same player_id),
    # and the shifts sheet writes jerseys without names.
    ("fact_event_players", "resolved_from"),
    ("fact_shift_players", "player_name"),
    ("qa_game_quality", "has_roster"),
    # A player the tracker named twice on one event is written once.
    ("qa_game_quality", "duplicate_player_events"),
    ("qa_game_quality", "reasons"),
    ("fact_game_status", "reasons"),
    # Intermission shift rows: the JSON writes 00:00 (or 00:0.01), the export a blank clock.
    ("qa_game_quality", "clock_warnings"),
}
# Rows the export cannot reproduce: shift rows without skaters (intermissions, dead ice; their
# clocks, as above), and events on which the tracker named a player twice (written once). They are
# found in the JSON build and left out of both.
EVENTS_NOT_IN_THE_EXPORT = (
    "select distinct event_id from fact_event_players where is_duplicate_in_event"
)
SHIFTS_WITHOUT_SKATERS = (
    "select shift_id from fact_shifts where home_skaters = 0 and away_skaters = 0"
)
EVENTS_NOT_IN_THE_EXPORT = (
    "select event_id from fact_events where player_count = 0"
    " union select event_id from fact_event_players where is_duplicate_in_event"
)


@pytest.fixture(scope="module")
def xlsx_db_url(pg_admin_url: str, template_db: str, db_url: str) -> Iterator[str]:
    """A second fresh database beside the module's own (db_url gets the JSON build)."""
    name = f"{db_url.rsplit('/', 1)[-1]}_xlsx"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("create database {} template {}").format(
                sql.Identifier(name), sql.Identifier(template_db)
            )
        )
    yield db_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


def _build(url: str, workbook: Path, files: list[Path]) -> None:
    with psycopg.connect(url) as conn:
        assert not load_workbook_file(conn, workbook).failed
        outcomes = load_tracking_paths(conn, files)
        assert not [o for o in outcomes if o.failed]
        assert sorted(o.game_id for o in outcomes if o.game_id) == sorted(GAMES)
    done = run_dbt(url, "build")
    assert done.returncode == 0, done.stdout[-4000:]


@pytest.fixture(scope="module")
def builds(
    db_url: str, xlsx_db_url: str, fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str]:
    tracker_dir = fixtures_dir / "tracker"
    workbook = build_fixture_workbook(tracker_dir, tmp_path_factory.mktemp("wb") / "BLB.xlsx")
    _build(db_url, workbook, [tracker_dir / GAME_FILES[g] for g in GAMES])
    xlsx_dir = fixtures_dir / "tracker_xlsx" / "v29"
    _build(xlsx_db_url, workbook, [xlsx_dir / f"{g}_tracking.xlsx" for g in GAMES])
    return db_url, xlsx_db_url


def published_tables(url: str) -> dict[str, list[str]]:
    """Every table and view of the published schema with its compared columns."""
    found: dict[str, list[str]] = {}
    for table, column in rows(
        url,
        "select table_name, column_name from information_schema.columns"
        " where table_schema = 'public' order by table_name, ordinal_position",
    ):
        if table not in ABOUT_FILES:
            found.setdefault(table, []).append(column)
    return found


def table_rows(
    url: str, table: str, columns: list[str], events: list[int], shifts: list[int]
) -> tuple[list[tuple], list[str]]:
    """The table's compared columns (as text) and rows, sorted; what the export cannot carry
    left out (`events` / `shifts`: the ids found in the JSON build)."""
    compared = [c for c in columns if c not in LINEAGE and (table, c) not in EXPORT_LIMITS]
    where = [sql.SQL("true")]
    if "event_id" in columns:
        where.append(sql.SQL("event_id <> all({})").format(sql.Literal(events)))
    if "shift_idx" in columns:  # a table of shift rows
        where.append(sql.SQL("shift_id <> all({})").format(sql.Literal(shifts)))
    query = sql.SQL("select {} from {} where {}").format(
        sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c)) for c in compared),
        sql.Identifier(table),
        sql.SQL(" and ").join(where),
    )
    with psycopg.connect(url) as conn:
        found = conn.execute(query).fetchall()
    return sorted(found, key=lambda r: tuple(v or "" for v in r)), compared


def test_the_v29_export_publishes_every_number_of_the_json(builds: tuple[str, str]) -> None:
    json_url, xlsx_url = builds
    tables = published_tables(json_url)
    assert published_tables(xlsx_url) == tables
    for must in ("fact_team_game_stats", "fact_player_game_stats", "fact_goalie_game_stats"):
        assert must in tables
    events = [event_id for (event_id,) in rows(json_url, EVENTS_NOT_IN_THE_EXPORT)]
    shifts = [shift_id for (shift_id,) in rows(json_url, SHIFTS_WITHOUT_SKATERS)]
    assert 0 < len(events) < 20 and 0 < len(shifts) < 20
    differ = []
    for table, columns in tables.items():
        (from_json, compared), (from_xlsx, _) = (
            table_rows(u, table, columns, events, shifts) for u in builds
        )
        assert from_json or table not in ("fact_events", "fact_player_game_stats")
        if from_json != from_xlsx:
            json_set, xlsx_set = set(from_json), set(from_xlsx)
            missing = [r for r in from_json if r not in xlsx_set]
            extra = [r for r in from_xlsx if r not in json_set]
            differ.append(
                f"{table}: {len(missing)} rows only from JSON, {len(extra)} only from xlsx"
            )
            for label, found in (("json", missing[:2]), ("xlsx", extra[:2])):
                differ.extend(f"  {label} {dict(zip(compared, r, strict=True))}" for r in found)
    assert not differ, "\n".join(differ)


def test_18981_team_attempts_from_both_formats(builds: tuple[str, str]) -> None:
    """The issue's game: four shots of the v29 export (events 558, 633, 876, 1084) used to end up
    without a team, giving 57 / 35 attempts where the JSON's events give 59 / 37."""
    query = (
        "select venue, attempts_for, attempts_against from fact_team_game_stats"
        " where game_id = 18981 order by venue"
    )
    for url in builds:
        assert rows(url, query) == [("away", 37, 59), ("home", 59, 37)]
    shooters = (
        "select e.event_idx, p.venue from fact_events as e"
        " join fact_event_players as p on p.event_id = e.event_id and p.role = 'event_player_1'"
        " where e.game_id = 18981 and e.event_idx in (558, 633, 876, 1084) and e.venue = p.venue"
        " and p.player_id is not null order by e.event_idx"
    )
    for url in builds:
        assert rows(url, shooters) == [
            (558, "home"),
            (633, "home"),
            (876, "home"),
            (1084, "away"),
        ]
