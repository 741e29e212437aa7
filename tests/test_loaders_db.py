"""Loaders against a real, migrated PostgreSQL: atomic per-game replace, file choice, rejections
that leave the database untouched, secrets that never arrive, and the API's paths: posted rows,
workbook edits, schedule edits and game deletes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
import pytest
from test_loaders_parse import SECRET, write_workbook

from loaders import store
from loaders.core import LoadError
from loaders.games import add_scheduled_game, change_scheduled_game, delete_game
from loaders.tables import (
    GAME_TABLES,
    TRACKER_TABLES,
    WORKBOOK_SHEETS,
    tracker_lineage,
    workbook_columns,
)
from loaders.tracking import load_tracking_document, load_tracking_paths
from loaders.workbook_load import (
    clear_workbook_table,
    load_workbook_file,
    load_workbook_rows,
    update_workbook_rows,
)


@pytest.fixture(scope="module")
def conn(db_url):
    with psycopg.connect(db_url, autocommit=True) as connection:
        yield connection


def tracker(fixtures_dir: Path, *names: str) -> list[Path]:
    return [fixtures_dir / "tracker" / name for name in names]


def game_counts(conn, game_id: int) -> tuple[int, int, int]:
    return conn.execute(
        """
        select (select count(*) from raw.tracker_events where game_id = %(g)s),
               (select count(*) from raw.tracker_shifts where game_id = %(g)s),
               (select count(*) from raw.tracker_event_players where game_id = %(g)s)
        """,
        {"g": game_id},
    ).fetchone()


def raw_tables(conn) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
        )
    ]


def snapshot(conn) -> dict[str, tuple[int, str]]:
    """Row count and checksum of every raw table's full content."""
    state = {}
    for table in raw_tables(conn):
        state[table] = conn.execute(
            f"select count(*), coalesce(md5(string_agg(t::text, '|' order by t::text)), '')"
            f" from raw.{table} t"
        ).fetchone()
    return state


def test_migrations_create_exactly_the_loader_columns(conn):
    for table, columns in TRACKER_TABLES.items():
        found = [
            r[0]
            for r in conn.execute(
                "select column_name from information_schema.columns where table_schema = 'raw'"
                " and table_name = %s and column_name <> 'loaded_at' order by ordinal_position",
                [table],
            )
        ]
        assert found == [*tracker_lineage(table), *columns], table
    for spec in WORKBOOK_SHEETS:
        found = [
            r[0]
            for r in conn.execute(
                "select column_name from information_schema.columns where table_schema = 'raw'"
                " and table_name = %s and column_name <> 'loaded_at' order by ordinal_position",
                [spec.table],
            )
        ]
        assert found == list(workbook_columns(spec)), spec.table


def test_every_fixture_loads_with_its_counts(conn, fixtures_dir):
    outcomes = load_tracking_paths(conn, [fixtures_dir / "tracker"])
    by_file = {Path(o.path).name: o for o in outcomes}
    assert by_file["18969_earlier_export.json"].outcome == store.SKIPPED_OLDER
    assert {n: o.outcome for n, o in by_file.items() if n != "18969_earlier_export.json"} == {
        "18965_no_shifts.json": "loaded",
        "18969.json": "loaded",
        "18977_empty.json": "loaded",
        "18981.json": "loaded",
        "19038_partial.json": "loaded",
    }
    assert game_counts(conn, 18969) == (1593, 98, 3139)
    assert game_counts(conn, 18981) == (1296, 106, 2417)
    assert game_counts(conn, 18965) == (1629, 1, 1625)
    assert game_counts(conn, 19038) == (131, 47, 354)
    assert game_counts(conn, 18977) == (0, 0, 0)
    flags = dict(conn.execute("select game_id, flags from raw.tracker_games").fetchall())
    assert flags == {
        18969: [],
        18981: [],
        18965: ["no_usable_shifts"],
        19038: [],
        18977: ["no_events"],
    }
    manifest = conn.execute(
        "select file_name, game_id, chosen, shift_count from raw.tracking_files order by file_name"
    ).fetchall()
    assert ("18969_earlier_export.json", 18969, False, 100) in manifest
    assert ("18969.json", 18969, True, 98) in manifest
    # A row's file lineage is its load's (and the game row's): one load_id for the whole game.
    lineage = conn.execute(
        "select distinct l.source, l.file_name, l.file_sha256 = g.file_sha256, e.sheet"
        " from raw.tracker_events e join raw.loads l using (load_id)"
        " join raw.tracker_games g on g.game_id = e.game_id and g.load_id = e.load_id"
        " where e.game_id = 19038"
    ).fetchall()
    assert lineage == [("file", "19038_partial.json", True, "events")]
    warnings = dict(
        conn.execute(
            "select code, count(*) from raw.load_warnings where game_id = 18969 group by code"
        ).fetchall()
    )
    assert warnings == {"duplicate_player": 7, "clock_blank": 6, "unknown_jersey": 4}
    roles = dict(
        conn.execute(
            "select role, count(*) from raw.tracker_event_players where game_id = 19038 group by role"
        ).fetchall()
    )
    assert roles["event_player_1"] == 132 and not any("team" in r for r in roles)

    again = load_tracking_paths(conn, tracker(fixtures_dir, "18969.json"))
    assert [o.outcome for o in again] == [store.UNCHANGED]
    forced = load_tracking_paths(conn, tracker(fixtures_dir, "18969.json"), force=True)
    assert [o.outcome for o in forced] == [store.REPLACED]
    assert game_counts(conn, 18969) == (1593, 98, 3139)


def test_older_then_newer_export_replaces(conn, fixtures_dir):
    conn.execute("delete from raw.tracking_files where game_id = 18969")
    first = load_tracking_paths(
        conn, tracker(fixtures_dir, "18969_earlier_export.json"), force=True
    )
    assert first[0].outcome in (store.LOADED, store.REPLACED)
    assert game_counts(conn, 18969) == (1593, 100, 3137)
    newer = load_tracking_paths(conn, tracker(fixtures_dir, "18969.json"))
    assert newer[0].outcome == store.REPLACED
    assert game_counts(conn, 18969) == (1593, 98, 3139)
    chosen = conn.execute(
        "select file_name, chosen, reason from raw.tracking_files where game_id = 18969 order by file_name"
    ).fetchall()
    assert chosen == [
        ("18969.json", True, "newer export; replaces 18969_earlier_export.json"),
        ("18969_earlier_export.json", False, "superseded by 18969.json"),
    ]
    older = load_tracking_paths(conn, tracker(fixtures_dir, "18969_earlier_export.json"))
    assert older[0].outcome == store.SKIPPED_OLDER
    assert game_counts(conn, 18969) == (1593, 98, 3139)


def test_files_are_identified_by_content_not_name(conn, fixtures_dir, tmp_path):
    folder = tmp_path / "game_18981" / "backups"
    folder.mkdir(parents=True)
    shutil.copy(
        fixtures_dir / "tracker" / "19038_partial.json", folder / "18981_tracking_backup.json"
    )
    (tmp_path / "truth.json").write_text('{"games": {}}')
    outcomes = load_tracking_paths(conn, [tmp_path])
    assert [(o.game_id, o.outcome) for o in outcomes] == [
        (None, store.IGNORED),
        (19038, store.UNCHANGED),
    ]
    named = load_tracking_paths(conn, [tmp_path / "truth.json"])
    assert [(o.outcome, o.reason) for o in named] == [
        (store.REJECTED, "truth.json: not a tracker export (no gameId, no events)")
    ]
    seen = conn.execute(
        "select game_id, chosen, reason from raw.tracking_files where file_name = %s",
        ["18981_tracking_backup.json"],
    ).fetchall()
    assert seen == [
        (
            19038,
            False,
            f"same content as the loaded export {fixtures_dir / 'tracker' / '19038_partial.json'}",
        )
    ]


def test_xlsx_and_json_give_the_same_raw_events(conn, fixtures_dir):
    json_events = conn.execute(
        "select event_idx, period, event_type, detail1, start_clock, start_seconds"
        " from raw.tracker_events where game_id = 19038 order by event_idx"
    ).fetchall()
    outcome = load_tracking_paths(
        conn, [fixtures_dir / "tracker_xlsx" / "v29" / "19038_tracking.xlsx"]
    )
    assert outcome[0].outcome == store.REPLACED  # exported later than the JSON
    xlsx_events = conn.execute(
        "select event_idx, period, event_type, detail1, start_clock, start_seconds"
        " from raw.tracker_events where game_id = 19038 order by event_idx"
    ).fetchall()
    assert xlsx_events == json_events
    assert game_counts(conn, 19038) == (131, 47, 354)
    assert conn.execute(
        "select distinct sheet from raw.tracker_xy_points where game_id = 19038 order by 1"
    ).fetchall() == [("xy_player",), ("xy_puck",)]
    load_tracking_paths(conn, tracker(fixtures_dir, "19038_partial.json"), force=True)


def _corrupted_copies(fixtures_dir: Path, folder: Path) -> dict[str, str]:
    """Broken copies of real files, and the message each must be rejected with."""
    source = fixtures_dir / "tracker" / "18969.json"
    data = source.read_bytes()
    newer = json.loads(data)
    newer["savedAt"] = "2030-01-01T00:00:00.000Z"  # newer than what is loaded: must not win
    (folder / "truncated.json").write_bytes(data[: len(data) // 3])
    missing = dict(newer)
    del missing["events"]
    (folder / "missing_events.json").write_text(json.dumps(missing))
    text_number = json.loads(json.dumps(newer))
    text_number["shifts"][4]["period"] = "two"
    (folder / "text_period.json").write_text(json.dumps(text_number))
    no_type = json.loads(json.dumps(newer))
    no_type["events"][700]["type"] = None
    (folder / "no_type.json").write_text(json.dumps(no_type))
    return {
        "truncated.json": "truncated.json: not valid JSON",
        "missing_events.json": "missing_events.json: $.events: missing required key events",
        "text_period.json": "text_period.json: $.shifts[4].period: expected a whole number, got text 'two'",
        "no_type.json": "no_type.json: $.events[700].type: event has no type",
    }


def test_rejected_files_leave_the_database_as_it_was(conn, fixtures_dir, tmp_path, capsys):
    expected = _corrupted_copies(fixtures_dir, tmp_path)
    workbook = tmp_path / "BLB_TABLES.xlsx"
    write_workbook(workbook, drop_column=("dim_player", "player_id"))
    before = snapshot(conn)

    outcomes = load_tracking_paths(conn, [tmp_path])
    assert {Path(o.path).name: o.outcome for o in outcomes} == dict.fromkeys(
        expected, store.REJECTED
    )
    for outcome in outcomes:
        assert outcome.reason.startswith(expected[Path(outcome.path).name]), outcome.reason
    rejected_workbook = load_workbook_file(conn, workbook)
    assert rejected_workbook.outcome == store.REJECTED
    assert (
        rejected_workbook.reason
        == "BLB_TABLES.xlsx: sheet dim_player, column player_id: missing key column"
    )

    assert snapshot(conn) == before


def test_cli_reports_each_file_and_fails_when_one_was_rejected(
    conn, db_url, fixtures_dir, tmp_path, capsys, monkeypatch
):
    from benchsight.cli import main
    from benchsight.config import get_settings

    _corrupted_copies(fixtures_dir, tmp_path)
    document = json.loads((fixtures_dir / "tracker" / "18977_empty.json").read_bytes())
    document["settings"] = {"supabaseKey": SECRET}
    (tmp_path / "empty_with_settings.json").write_text(json.dumps(document))
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        code = main(
            [
                "load",
                "tracking",
                str(tmp_path),
                str(fixtures_dir / "tracker" / "18965_no_shifts.json"),
            ]
        )
    finally:
        get_settings.cache_clear()
    out, err = capsys.readouterr()
    assert code == 1
    lines = out.splitlines()
    assert lines[0].split() == ["file", "game", "version", "events", "shifts", "outcome", "reason"]
    assert any(
        line.split()[:6] == ["18965_no_shifts.json", "18965", "23.8", "1629", "1", "unchanged"]
        for line in lines
    )
    assert any(line.startswith("truncated.json") and "rejected" in line for line in lines)
    assert any(
        line.startswith("empty_with_settings.json") and ("replaced" in line or "unchanged" in line)
        for line in lines
    )
    assert "6 file(s)" in lines[-1] and "4 rejected" in lines[-1]
    assert SECRET not in out + err


def test_settings_never_reach_the_database(conn, fixtures_dir, tmp_path, caplog):
    document = json.loads((fixtures_dir / "tracker" / "18981.json").read_bytes())
    document["settings"] = {"supabaseUrl": "https://secret.example.org", "supabaseKey": SECRET}
    document["savedAt"] = "2030-01-01T00:00:00.000Z"
    path = tmp_path / "18981_with_settings.json"
    path.write_text(json.dumps(document))
    outcome = load_tracking_paths(conn, [path])
    assert outcome[0].outcome == store.REPLACED
    for table in raw_tables(conn):
        hits = conn.execute(
            f"select count(*) from raw.{table} t where t::text like %s or t::text like %s",
            [f"%{SECRET}%", "%secret.example.org%"],
        ).fetchone()[0]
        assert hits == 0, table
    assert SECRET not in caplog.text
    # The posted shape is cleaned the same way.
    posted = load_tracking_document(conn, {**document, "savedAt": "2031-01-01T00:00:00Z"})
    assert posted.outcome == store.REPLACED
    assert (
        conn.execute(
            "select count(*) from raw.tracker_games where game_id = 18981 and (extra::text like %s)",
            [f"%{SECRET}%"],
        ).fetchone()[0]
        == 0
    )


def test_posted_tracking_rows_load_with_source_api(conn, fixtures_dir):
    document = json.loads((fixtures_dir / "tracker" / "19038_partial.json").read_bytes())
    posted = {"game_id": 19038, "events": document["events"], "shifts": document["shifts"]}
    outcome = load_tracking_document(conn, posted, game_id=19038)
    assert (outcome.outcome, outcome.events, outcome.shifts) == (store.REPLACED, 131, 47)
    assert conn.execute(
        "select distinct l.source, l.file_name from raw.tracker_events e"
        " join raw.loads l using (load_id) where e.game_id = 19038"
    ).fetchall() == [("api", "api:game/19038")]
    assert load_tracking_document(conn, posted, game_id=19038).outcome == store.UNCHANGED
    broken = {**posted, "events": [*posted["events"][:5], {"idx": 999, "period": 1}]}
    before = snapshot(conn)
    with pytest.raises(LoadError, match=r"events\[5\]\.type: event has no type"):
        load_tracking_document(conn, broken, game_id=19038)
    with pytest.raises(LoadError, match="the request says 19039"):
        load_tracking_document(conn, posted, game_id=19039)
    assert snapshot(conn) == before


def test_workbook_load_replaces_its_tables(conn, tmp_path):
    path = tmp_path / "BLB_TABLES.xlsx"
    write_workbook(path)
    for _ in range(2):  # the second load replaces, it does not add
        outcome = load_workbook_file(conn, path)
        assert outcome.outcome == store.REPLACED
    assert outcome.tables == {spec.name: 2 for spec in WORKBOOK_SHEETS}
    assert outcome.unknown_sheets == ["Fact_PlayerGames"]
    assert conn.execute("select count(*) from raw.blb_dim_player").fetchone()[0] == 2
    row = conn.execute(
        "select player_id, extra, source, file_name, sheet, row_number"
        " from raw.blb_dim_player order by row_number limit 1"
    ).fetchone()
    assert row == (
        "player_id-1",
        {"nickname": "nickname-1"},
        "file",
        "BLB_TABLES.xlsx",
        "dim_player",
        2,
    )
    sheets = dict(conn.execute("select sheet, known from raw.workbook_sheets").fetchall())
    assert sheets["Fact_PlayerGames"] is False and len(sheets) == 17
    assert conn.execute(
        "select code, location from raw.load_warnings where game_id is null"
    ).fetchall() == [("unknown_sheet", "sheet Fact_PlayerGames")]


def test_posted_workbook_rows(conn):
    with pytest.raises(LoadError, match="unknown column"):
        load_workbook_rows(conn, "dim_league", [{"league_id": "N", "colour": "red"}], replace=True)
    outcome = load_workbook_rows(
        conn, "blb_dim_league", [{"league_id": "N", "league": "NORAD"}], replace=True
    )
    assert outcome.tables == {"dim_league": 1}
    load_workbook_rows(conn, "dim_league", [{"league_id": "C", "league": "CSAH"}], replace=False)
    assert conn.execute(
        "select league_id, league, source from raw.blb_dim_league order by league_id"
    ).fetchall() == [("C", "CSAH", "api"), ("N", "NORAD", "api")]


def tracker_content(conn) -> dict[str, tuple[int, str]]:
    """Row count and checksum of every per-game raw table, without load ids and load times."""
    state = {}
    for table in TRACKER_TABLES:
        state[table] = conn.execute(
            f"select count(*), coalesce(md5(string_agg(r::text, '|' order by r::text)), '')"
            f" from (select to_jsonb(t) - 'load_id' - 'loaded_at' as r from raw.{table} t) s"
        ).fetchone()
    return state


def test_a_batch_parsed_in_a_child_process_loads_the_same_rows(
    conn, fixtures_dir, tmp_path, monkeypatch
):
    import loaders.tracking

    files = [fixtures_dir / "tracker", fixtures_dir / "tracker_xlsx" / "v29"]
    in_thread = load_tracking_paths(conn, files, force=True)
    by_thread = tracker_content(conn)
    monkeypatch.setattr(loaders.tracking, "PROCESS_PARSE_MIN_FILES", 1)
    in_process = load_tracking_paths(conn, files, force=True)
    assert tracker_content(conn) == by_thread
    assert [(o.path, o.outcome, o.rows, o.warnings) for o in in_process] == [
        (o.path, o.outcome, o.rows, o.warnings) for o in in_thread
    ]

    expected = _corrupted_copies(fixtures_dir, tmp_path)
    outcomes = load_tracking_paths(conn, [tmp_path])
    for outcome in outcomes:  # LoadError comes back from the child with its location
        assert outcome.reason.startswith(expected[Path(outcome.path).name]), outcome.reason
    assert tracker_content(conn) == by_thread


def test_values_with_line_breaks_and_tabs_keep_their_lineage(conn):
    # copy_rows puts the lineage in front of every COPY line: a newline inside a value must not
    # start a line of its own.
    written = "Northgate\nRink 2\tsouth\\side\r"
    load_workbook_rows(
        conn,
        "dim_league",
        [{"league_id": "N", "league": written}, {"league_id": "M", "league": "two\n\nlines"}],
        replace=True,
    )
    assert conn.execute(
        "select league_id, league, source, row_number from raw.blb_dim_league order by league_id"
    ).fetchall() == [("M", "two\n\nlines", "api", 1), ("N", written, "api", 0)]


def test_a_batch_goes_on_when_the_parse_process_dies(conn, fixtures_dir, monkeypatch):
    import loaders.tracking
    from loaders.parse_worker import ParseProcess

    class DyingParseProcess(ParseProcess):
        def __init__(self) -> None:
            super().__init__()
            self._child.kill()  # as the kernel's OOM killer would
            self._child.wait()

    files = [fixtures_dir / "tracker", fixtures_dir / "tracker_xlsx" / "v29"]
    load_tracking_paths(conn, files, force=True)
    expected = tracker_content(conn)
    monkeypatch.setattr(loaders.tracking, "PROCESS_PARSE_MIN_FILES", 1)
    monkeypatch.setattr(loaders.tracking, "ParseProcess", DyingParseProcess)
    outcomes = load_tracking_paths(conn, files, force=True)
    assert not [o for o in outcomes if o.failed]
    assert tracker_content(conn) == expected


def test_workbook_edits_are_loads_with_their_lineage(conn):
    load_workbook_rows(
        conn,
        "dim_league",
        [{"league_id": "N", "league": "NORAD"}, {"league_id": "C", "league": "CSAH"}],
        replace=True,
    )
    place = "select sheet, row_number from raw.blb_dim_league where league_id = 'N'"
    posted_place = conn.execute(place).fetchone()
    before = snapshot(conn)
    with pytest.raises(LoadError, match=r"unknown column\(s\): colour"):
        update_workbook_rows(conn, "dim_league", "league_id", "N", {"colour": "red"})
    missed = update_workbook_rows(conn, "dim_league", "league_id", "X", {"league": "none"})
    assert (missed.outcome, missed.tables, missed.load_id) == (
        store.UPDATED,
        {"dim_league": 0},
        None,
    )
    assert snapshot(conn) == before  # neither wrote anything, not even a raw.loads row

    updated = update_workbook_rows(conn, "blb_dim_league", "league_id", "N", {"league": 7})
    assert updated.tables == {"dim_league": 1}
    row = conn.execute(
        "select league, load_id, source, file_name, file_sha256 from raw.blb_dim_league"
        " where league_id = 'N'"
    ).fetchone()
    assert row[:4] == ("7", updated.load_id, "api", "api:blb_dim_league")
    assert conn.execute(place).fetchone() == posted_place  # its place in the posted rows stays
    assert conn.execute(
        "select kind, source, table_name, outcome, reason, row_counts, file_sha256"
        " from raw.loads where load_id = %s",
        [updated.load_id],
    ).fetchone() == (
        "workbook_rows",
        "api",
        "blb_dim_league",
        "updated",
        "rows where league_id = 'N'",
        {"blb_dim_league": 1},
        row[4],
    )
    assert conn.execute(
        "select league from raw.blb_dim_league where league_id = 'C'"
    ).fetchone() == ("CSAH",)

    cleared = clear_workbook_table(conn, "dim_league")
    assert (cleared.outcome, cleared.deleted) == (store.CLEARED, {"dim_league": 2})
    assert conn.execute("select count(*) from raw.blb_dim_league").fetchone() == (0,)
    assert conn.execute(
        "select table_name, outcome, row_counts, file_sha256 from raw.loads where load_id = %s",
        [cleared.load_id],
    ).fetchone() == ("blb_dim_league", "cleared", {"blb_dim_league": 2}, None)


def test_schedule_edits_and_game_deletes(conn, fixtures_dir):
    label = "api:games/7001"
    added = add_scheduled_game(conn, 7001, {"game_id": 7001, "home_total_goals": 2}, label=label)
    assert added.outcome == store.LOADED
    assert add_scheduled_game(conn, 7001, {"game_id": 7001}, label=label) is None
    assert change_scheduled_game(conn, 7002, {"home_total_goals": 1}, label=label) is None
    changed = change_scheduled_game(conn, 7001, {"away_total_goals": 1}, label=label)
    schedule = (
        "select game_id, home_total_goals, away_total_goals, load_id, file_name"
        " from raw.blb_dim_schedule where game_id = %s"
    )
    assert conn.execute(schedule, ["7001"]).fetchall() == [
        ("7001", "2", "1", changed.load_id, label)
    ]
    before = snapshot(conn)
    nested = {"game_id": 7001, "home_total_goals": {"periods": [1, 1]}}
    with pytest.raises(LoadError, match="nested"):
        change_scheduled_game(conn, 7001, nested, label=label)
    assert snapshot(conn) == before  # the old row was deleted and put back: nothing changed

    document = json.loads((fixtures_dir / "tracker" / "18977_empty.json").read_text())
    document["gameId"] = 7001
    load_tracking_document(conn, document)
    before = snapshot(conn)
    kept = delete_game(conn, 7001, with_tracking=False)
    assert (kept.found, kept.tracked, kept.deleted, kept.schedule_rows) == (True, True, False, 1)
    assert snapshot(conn) == before
    removed = delete_game(conn, 7001, with_tracking=True)
    assert removed.deleted and removed.schedule_rows == 1
    assert set(removed.tracking_rows) == set(GAME_TABLES)
    assert removed.tracking_rows["tracker_games"] == 1
    assert removed.tracking_rows["tracking_files"] == 1
    assert removed.tracking_rows["tracker_rosters"] > 0
    for table in (*GAME_TABLES, "blb_dim_schedule"):
        found = conn.execute(f"select count(*) from raw.{table} where game_id::text = '7001'")
        assert found.fetchone() == (0,), table
    assert delete_game(conn, 7001, with_tracking=True).found is False
