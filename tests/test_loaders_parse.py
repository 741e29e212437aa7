"""Pure parser tests: tracker JSON, tracker xlsx and the workbook, no database."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path

import pytest
import xlsxwriter
from psycopg._copy_base import format_row_text
from psycopg.adapt import Transformer
from python_calamine import CalamineWorkbook

from loaders.core import LoadError, clock_seconds, normalise_role
from loaders.parse_worker import ParsePool, ParseProcess
from loaders.store import format_rows
from loaders.tables import TRACKER_TABLES, WORKBOOK_SHEETS
from loaders.tracker_json import parse_tracker_json
from loaders.tracker_xlsx import parse_tracker_xlsx
from loaders.workbook import parse_workbook, validate_rows

SECRET = "sk-live-DO-NOT-STORE-0451"

# (file, events, shifts, event players) as the files hold them.
FIXTURE_COUNTS = [
    ("18969.json", 18969, 1593, 98, 3139),
    ("18969_earlier_export.json", 18969, 1593, 100, 3137),
    ("18981.json", 18981, 1296, 106, 2417),
    ("18965_no_shifts.json", 18965, 1629, 1, 1625),
    ("19038_partial.json", 19038, 131, 47, 354),
    ("18977_empty.json", 18977, 0, 0, 0),
]


def _column(table: str, name: str) -> int:
    """Position of a data column in a parsed row (rows start with sheet, row_number)."""
    return 2 + TRACKER_TABLES[table].index(name)


def _values(game, table: str, *names: str) -> list[tuple]:
    positions = [_column(table, n) for n in names]
    return [tuple(row[p] for p in positions) for row in game.rows[table]]


def _json(fixtures_dir: Path, name: str):
    return parse_tracker_json((fixtures_dir / "tracker" / name).read_bytes(), name)


@pytest.mark.parametrize(("name", "game_id", "events", "shifts", "players"), FIXTURE_COUNTS)
def test_json_fixture_counts(fixtures_dir, name, game_id, events, shifts, players):
    game = _json(fixtures_dir, name)
    assert (game.game_id, game.event_count, game.shift_count, game.event_player_count) == (
        game_id,
        events,
        shifts,
        players,
    )
    every_row_has_its_game = {row[2] for rows in game.rows.values() for row in rows}
    assert every_row_has_its_game <= {game_id}


def test_empty_and_no_shift_games_are_flagged(fixtures_dir):
    empty = _json(fixtures_dir, "18977_empty.json")
    no_shifts = _json(fixtures_dir, "18965_no_shifts.json")
    flags = _column("tracker_games", "flags")
    assert empty.rows["tracker_games"][0][flags] == ["no_events"]
    assert len(empty.rows["tracker_rosters"]) == 27
    assert no_shifts.rows["tracker_games"][0][flags] == ["no_usable_shifts"]
    assert {w.code for w in no_shifts.warnings} >= {"no_usable_shifts"}


def test_partial_25_game_roles_and_xy_are_normalised(fixtures_dir):
    game = _json(fixtures_dir, "19038_partial.json")
    roles = Counter(r for (r,) in _values(game, "tracker_event_players", "role"))
    # 25.0 wrote 81 event_team_player_1 and 51 event_player_1: one role name now.
    assert roles["event_player_1"] == 132
    assert roles["opp_player_1"] == 108
    assert set(roles) <= {f"{g}_player_{n}" for g in ("event", "opp") for n in range(1, 6)}
    written = Counter(r for (r,) in _values(game, "tracker_event_players", "role_written"))
    assert written["event_team_player_1"] == 81

    frame = _column("tracker_games", "xy_frame")
    assert game.rows["tracker_games"][0][frame] == "rink_centre"
    kinds = Counter(k for (k,) in _values(game, "tracker_xy_points", "kind"))
    # 392 puck points of which 6 are null, 722 player points of which 18 are null, 10 net points.
    assert kinds == {"puck": 386, "player": 704, "net": 10}
    first_faceoff = [
        v
        for v in _values(
            game, "tracker_xy_points", "event_idx", "kind", "jersey", "x", "y", "frame"
        )
        if v[0] == 1 and v[1] == "player"
    ]
    assert first_faceoff[0] == (1, "player", "42", -2.54, 0.3, "rink_centre")
    nets = {v[-1] for v in _values(game, "tracker_xy_points", "kind", "frame") if v[0] == "net"}
    assert nets == {"net_face"}
    # The 25.0 game has a 21-minute first period: kept as written for staging.
    lengths = game.rows["tracker_games"][0][_column("tracker_games", "period_lengths")]
    assert json.loads(lengths) == {"1": 21, "2": 18, "3": 18, "OT": 5}


def test_23_8_xy_frame_is_the_corner_frame(fixtures_dir):
    game = _json(fixtures_dir, "18969.json")
    assert game.rows["tracker_games"][0][_column("tracker_games", "xy_frame")] == "rink_corner"
    puck = [
        v
        for v in _values(
            game,
            "tracker_xy_points",
            "event_idx",
            "kind",
            "seq",
            "x",
            "y",
            "x_centred",
            "y_centred",
        )
        if v[1] == "puck"
    ]
    assert puck[0] == (0, "puck", 1, 96.3, 41.4, pytest.approx(-3.7), pytest.approx(-1.1))


@pytest.mark.parametrize(
    ("written", "seconds", "problem"),
    [
        ("18:00", 1080, None),
        ("9:59", 599, None),
        ("00:0.01", 0.01, None),
        ("17:59", 1079, None),
        ("", None, "clock_blank"),
        ("18:", None, "clock_unparsed"),
        ("17:85", None, "clock_unparsed"),
    ],
)
def test_clock_values(written, seconds, problem):
    assert clock_seconds(written) == (seconds, problem)


def test_roles_from_both_versions():
    assert normalise_role("event_team_player_2") == ("event_player_2", "event", 2)
    assert normalise_role("opp_player_1") == ("opp_player_1", "opp", 1)
    assert normalise_role("goalie") is None


def test_quirks_become_warnings_with_locations(fixtures_dir):
    game = _json(fixtures_dir, "18969.json")
    codes = Counter(w.code for w in game.warnings)
    assert codes == {"duplicate_player": 7, "clock_blank": 6, "unknown_jersey": 4}
    duplicate = next(w for w in game.warnings if w.code == "duplicate_player")
    assert duplicate.location == "$.events[304].players[1]"
    clocks = _values(game, "tracker_events", "start_clock", "start_seconds")
    assert ("", None) in clocks
    shift_ends = _values(game, "tracker_shifts", "end_clock", "end_seconds")
    assert ("00:0.01", 0.01) in shift_ends


def test_player_side_is_derived_when_the_file_omits_it(fixtures_dir):
    game = _json(fixtures_dir, "18965_no_shifts.json")
    sides = _values(game, "tracker_event_players", "team_written", "side")
    assert all(written is None for written, _ in sides)
    # by hand: event_* players take the event team, opp_* the other side
    assert Counter(side for _, side in sides) == {"home": 787, "away": 838}


# ------------------------------------------------------------------------ corrupted JSON copies
def _document(fixtures_dir: Path, name: str = "18969.json") -> dict:
    return json.loads((fixtures_dir / "tracker" / name).read_bytes())


def test_truncated_json_is_rejected(fixtures_dir):
    data = (fixtures_dir / "tracker" / "18969.json").read_bytes()
    with pytest.raises(LoadError) as caught:
        parse_tracker_json(data[: len(data) // 2], "18969_cut.json")
    assert caught.value.file == "18969_cut.json"
    assert "not valid JSON" in caught.value.message and "truncated" in caught.value.message


def test_missing_events_key_is_rejected(fixtures_dir):
    document = _document(fixtures_dir)
    del document["events"]
    with pytest.raises(LoadError) as caught:
        parse_tracker_json(json.dumps(document).encode(), "no_events.json")
    assert (caught.value.where, caught.value.message) == ("$.events", "missing required key events")


def test_text_where_a_number_must_be_is_rejected(fixtures_dir):
    document = _document(fixtures_dir)
    document["events"][12]["period"] = "second"
    with pytest.raises(LoadError) as caught:
        parse_tracker_json(json.dumps(document).encode(), "bad_period.json")
    assert str(caught.value) == (
        "bad_period.json: $.events[12].period: expected a whole number, got text 'second'"
    )


def test_event_without_type_is_rejected(fixtures_dir):
    document = _document(fixtures_dir)
    document["events"][3]["type"] = ""
    with pytest.raises(LoadError, match=r"events\[3\]\.type: event has no type"):
        parse_tracker_json(json.dumps(document).encode(), "no_type.json")


def test_a_string_coordinate_is_rejected_with_its_path(fixtures_dir):
    document = _document(fixtures_dir, "19038_partial.json")
    document["events"][2]["players"][0]["xy"][1]["x"] = "left"
    with pytest.raises(LoadError) as caught:
        parse_tracker_json(json.dumps(document).encode(), "bad_xy.json")
    assert caught.value.where == "$.events[2].players[0].xy[1].x"
    assert caught.value.message == "expected a number or null, got text 'left'"


def test_settings_are_dropped_before_anything_is_built(fixtures_dir):
    document = _document(fixtures_dir, "19038_partial.json")
    document["settings"] = {"supabaseUrl": "https://db.example.org", "supabaseKey": SECRET}
    game = parse_tracker_json(json.dumps(document).encode(), "with_settings.json")
    everything = repr(game.rows) + repr(game.warnings)
    assert SECRET not in everything and "supabase" not in everything


# ------------------------------------------------------------------------------- tracker xlsx
@pytest.mark.parametrize("version", ["v28", "v29"])
@pytest.mark.parametrize(
    ("game_id", "json_name"),
    [(18969, "18969.json"), (18981, "18981.json"), (19038, "19038_partial.json")],
)
def test_xlsx_gives_the_json_rows(fixtures_dir, version, game_id, json_name):
    from_json = _json(fixtures_dir, json_name)
    path = fixtures_dir / "tracker_xlsx" / version / f"{game_id}_tracking.xlsx"
    from_xlsx = parse_tracker_xlsx(path.read_bytes(), path.name)
    assert from_xlsx.game_id == game_id
    assert (from_xlsx.event_count, from_xlsx.shift_count) == (
        from_json.event_count,
        from_json.shift_count,
    )
    same = (
        "event_idx",
        "period",
        "event_type",
        "zone",
        "detail1",
        "detail2",
        "start_clock",
        "start_seconds",
        "end_clock",
        "end_seconds",
        "assist_to_goal_idx",
        "is_highlight",
    )
    assert _values(from_xlsx, "tracker_events", *same) == _values(
        from_json, "tracker_events", *same
    )
    json_players = _values(
        from_json, "tracker_event_players", "event_idx", "side", "jersey", "role", "play_d1"
    )
    xlsx_players = _values(
        from_xlsx, "tracker_event_players", "event_idx", "side", "jersey", "role", "play_d1"
    )
    if version == "v28":
        assert len(xlsx_players) == len(json_players)
    else:  # the reduced export writes a player once per event even when the tracker named him twice
        assert len(xlsx_players) == len({(e, s, j) for e, s, j, _, _ in json_players})
    # Who did what is identical. v28's side follows its team_ hint, which is the JSON's team; it
    # differs only where the JSON itself puts a player on the other side than his role (19038,
    # version 25.0, writes 13 such players). v29 writes no side at all, and raw says so.
    without_side = sorted((e, j, r, d) for e, _, j, r, d in xlsx_players)
    json_without_side = sorted((e, j, r, d) for e, _, j, r, d in json_players)
    if version == "v28":
        assert without_side == json_without_side
        json_set = set(json_players)
        disagree = sum(1 for row in xlsx_players if row not in json_set)
        assert disagree == (13 if game_id == 19038 else 0)
    else:
        assert set(without_side) <= set(json_without_side)
        assert {side for _, side, _, _, _ in xlsx_players} == {None}
    slots = ("shift_idx", "side", "slot", "jersey")
    assert set(_values(from_xlsx, "tracker_shift_slots", *slots)) <= set(
        _values(from_json, "tracker_shift_slots", *slots)
    ) | {v for v in _values(from_xlsx, "tracker_shift_slots", *slots) if v[2] == "X"}
    assert len(from_xlsx.rows["tracker_xy_points"]) == len(from_json.rows["tracker_xy_points"])


@pytest.mark.parametrize("game_id", [18969, 18981, 19038])
def test_xlsx_raw_teams_are_what_the_file_writes(fixtures_dir, game_id):
    """v29 writes no team: raw has none (the warehouse infers sides, for every format alike) and
    one warning says so. v28's team_ helper column is kept as written, and it is the JSON's team."""
    json_name = {19038: "19038_partial.json"}.get(game_id, f"{game_id}.json")
    json_team = dict(_values(_json(fixtures_dir, json_name), "tracker_events", "event_idx", "team"))
    for version in ("v28", "v29"):
        path = fixtures_dir / "tracker_xlsx" / version / f"{game_id}_tracking.xlsx"
        parsed = parse_tracker_xlsx(path.read_bytes(), path.name)
        teams = _values(parsed, "tracker_events", "event_idx", "team", "team_source")
        codes = [w.code for w in parsed.warnings]
        if version == "v29":
            assert {(t, s) for _, t, s in teams} == {(None, None)}
            assert codes.count("event_team_not_written") == 1
            assert "event_team_unknown" not in codes and "player_side_unknown" not in codes
        else:
            assert {i: t for i, t, _ in teams} == json_team
            assert {s for _, t, s in teams if t} == {"hint"}
            assert "event_team_not_written" not in codes


def _rewrite_xlsx(source: Path, target: Path, change) -> None:
    """Copy a workbook sheet by sheet through calamine and xlsxwriter, letting `change` edit rows."""
    workbook = CalamineWorkbook.from_path(str(source))
    with xlsxwriter.Workbook(str(target)) as out:
        for name in workbook.sheet_names:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            rows = change(name, rows)
            sheet = out.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value != "":
                        sheet.write(r, c, value)


def test_xlsx_without_its_key_column_is_rejected(fixtures_dir, tmp_path):
    source = fixtures_dir / "tracker_xlsx" / "v29" / "19038_tracking.xlsx"
    target = tmp_path / "19038_tracking.xlsx"

    def drop_event_index(name, rows):
        if name != "events":
            return rows
        position = rows[0].index("event_index")
        return [row[:position] + row[position + 1 :] for row in rows]

    _rewrite_xlsx(source, target, drop_event_index)
    with pytest.raises(LoadError) as caught:
        parse_tracker_xlsx(target.read_bytes(), target.name)
    assert (
        str(caught.value)
        == "19038_tracking.xlsx: sheet events, column event_index: missing required column"
    )


def test_xlsx_text_where_a_number_must_be_names_the_cell(fixtures_dir, tmp_path):
    source = fixtures_dir / "tracker_xlsx" / "v29" / "19038_tracking.xlsx"
    target = tmp_path / "19038_tracking.xlsx"

    def spoil_period(name, rows):
        if name == "events":
            rows[5][rows[0].index("period")] = "first"
        return rows

    _rewrite_xlsx(source, target, spoil_period)
    with pytest.raises(LoadError) as caught:
        parse_tracker_xlsx(target.read_bytes(), target.name)
    assert caught.value.where == "sheet events, row 6, column period"
    assert caught.value.message == "expected a whole number, got text 'first'"


# ----------------------------------------------------------------------------------- workbook
def write_workbook(
    path: Path, *, drop_sheet: str | None = None, drop_column: tuple[str, str] | None = None
) -> None:
    """A small BLB_TABLES.xlsx: every documented sheet with two rows, plus the quirks the
    league's real file has (helper columns ending in _, an extra column, an unknown sheet)."""
    with xlsxwriter.Workbook(str(path)) as book:
        for spec in WORKBOOK_SHEETS:
            if spec.name == drop_sheet:
                continue
            columns = [c for c in spec.columns if (spec.name, c) != drop_column]
            if spec.name == "dim_player":
                columns += ["helper_", "nickname"]
            sheet = book.add_worksheet(spec.name)
            for c, column in enumerate(columns):
                sheet.write(0, c, column)
            for r in (1, 2):
                for c, column in enumerate(columns):
                    if column == "helper_":
                        sheet.write(r, c, "=A1")
                    elif column in ("game_id", "season", "goals"):
                        sheet.write_number(r, c, 18960 + r if column == "game_id" else r)
                    else:
                        sheet.write(r, c, f"{column}-{r}")
        book.add_worksheet("Fact_PlayerGames").write(0, 0, "anything")


def test_workbook_sheets_become_text_rows(tmp_path):
    path = tmp_path / "BLB_TABLES.xlsx"
    write_workbook(path)
    parsed = parse_workbook(path.read_bytes(), path.name)
    counts = {spec.name: len(rows) for spec, rows in parsed.tables.items()}
    assert counts == {spec.name: 2 for spec in WORKBOOK_SHEETS}
    player_spec = next(s for s in parsed.tables if s.name == "dim_player")
    first = parsed.tables[player_spec][0]
    assert first[:2] == ("dim_player", 2)
    assert first[2 + player_spec.columns.index("player_id")] == "player_id-1"
    assert json.loads(first[-1]) == {"nickname": "nickname-1"}
    schedule_spec = next(s for s in parsed.tables if s.name == "dim_schedule")
    assert parsed.tables[schedule_spec][0][2] == "18961"  # a number cell as text, no .0
    seen = {s.sheet: s for s in parsed.sheets}
    assert seen["dim_player"].ignored_columns == ["helper_"]
    assert seen["dim_player"].extra_columns == ["nickname"]
    assert not seen["Fact_PlayerGames"].known
    assert [w.code for w in parsed.warnings] == ["unknown_sheet"]


def test_workbook_missing_key_column_or_sheet_is_an_error(tmp_path):
    path = tmp_path / "BLB_TABLES.xlsx"
    write_workbook(path, drop_column=("fact_gameroster", "player_id"))
    with pytest.raises(LoadError) as caught:
        parse_workbook(path.read_bytes(), path.name)
    assert (
        str(caught.value)
        == "BLB_TABLES.xlsx: sheet fact_gameroster, column player_id: missing key column"
    )
    write_workbook(path, drop_sheet="dim_team")
    with pytest.raises(LoadError, match="sheet dim_team: missing required sheet"):
        parse_workbook(path.read_bytes(), path.name)


def test_posted_rows_follow_the_workbook_rules():
    spec, rows, warnings = validate_rows(
        "dim_league", [{"league_id": 1, "league": "NORAD", "note_": "x"}]
    )
    assert spec.table == "blb_dim_league"
    assert rows == [("dim_league", 0, "1", "NORAD", "{}")]
    assert warnings == []
    with pytest.raises(LoadError, match="unknown column\\(s\\): colour, size"):
        validate_rows("dim_league", [{"league_id": "N", "colour": "red", "size": 3}])
    _, kept, _ = validate_rows(
        "dim_league", [{"league_id": "N", "colour": "red"}], unknown_columns="keep"
    )
    assert json.loads(kept[0][-1]) == {"colour": "red"}
    with pytest.raises(LoadError, match="table dim_nothing: unknown workbook table"):
        validate_rows("dim_nothing", [])
    with pytest.raises(LoadError, match="sheet dim_league, column league_id: missing key column"):
        validate_rows("dim_league", [{"league": "NORAD"}])


def _value_by_value(rows) -> bytes:
    transformer, buffer = Transformer(), bytearray()
    for row in rows:
        format_row_text(row, transformer, buffer)
    return bytes(buffer)


def test_rows_formatted_by_column_kind_are_the_bytes_of_value_by_value_formatting(fixtures_dir):
    # store.format_rows fixes each column's dumper from tables.ROW_KINDS: every real file, JSON
    # and the tracker's own xlsx, must come out byte for byte as psycopg formats value by value.
    games = [_json(fixtures_dir, name) for name, *_ in FIXTURE_COUNTS]
    for path in sorted((fixtures_dir / "tracker_xlsx").rglob("*_tracking.xlsx")):
        games.append(parse_tracker_xlsx(path.read_bytes(), path.name))
    for game in games:
        for table, rows in game.rows.items():
            assert format_rows(table, rows).data == _value_by_value(rows), table
    # A fraction of a second in a `number` column, text needing escapes, a null everywhere else.
    shift = (
        "shifts",
        3,
        1,
        3,
        2,
        "0:09.5",
        9.5,
        "\t",
        None,
        "a\\b",
        "line\nbreak",
        None,
        82,
        1.25,
        10,
        None,
    )
    whole = (*shift[:6], 9, *shift[7:13], 1, *shift[14:])  # no fraction: the typed path
    assert format_rows("tracker_shifts", [shift, whole, shift]).data == _value_by_value(
        [shift, whole, shift]
    )


def test_a_parse_process_answers_many_large_calls_submitted_at_once():
    # Submitting must not hold the lock the result reader needs: with both pipes full, the
    # child waits for its answers to be read while the caller waits to send the next call.
    process = ParseProcess()
    futures = []
    sender = threading.Thread(
        target=lambda: futures.extend(process.submit(bytes, b"x" * 100_000) for _ in range(40)),
        daemon=True,
    )
    try:
        sender.start()
        sender.join(timeout=60)
        assert not sender.is_alive(), "submitting 40 calls of 100 kB each did not finish"
        assert [len(f.result(timeout=60)) for f in futures] == [100_000] * 40
    finally:
        process._child.kill()
        process.shutdown()


def test_a_parse_pool_sends_calls_past_a_stopped_process():
    dead, alive = ParseProcess(), ParseProcess()
    dead._child.kill()  # as the kernel's OOM killer would
    dead._child.wait()
    dead._reader.join(timeout=10)
    with ParsePool([dead, alive]) as pool:
        assert dead.stopped and not alive.stopped
        assert [pool.submit(len, b"abc").result(timeout=30) for _ in range(3)] == [3, 3, 3]
