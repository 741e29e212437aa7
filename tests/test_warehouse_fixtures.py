"""The warehouse built from the real fixture games, checked against numbers computed here.

Every expected number is computed in this file straight from the tracker JSON (or written down
from reading the game), never read back from the warehouse's own SQL.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from api_checks import rows
from dbt_harness import run_dbt
from fixture_league import OFFICIAL_FINALS, build_fixture_workbook, read_game

from benchsight.ml.registry import refresh_views
from dbt_project.selection import game_selection
from loaders.tables import GAME_TABLES
from loaders.tracking import load_tracking_paths
from loaders.workbook_load import load_workbook_file

pytestmark = pytest.mark.slow

SAVED = {"Shot_OnNetSaved", "Shot_OnNet", "Shot_DeflectedOnNetSaved", "Shot_TippedOnNetSaved"}
MISSED = {"Shot_Missed", "Shot_MissedPost", "Shot_HitPost", "Shot_Deflected"}
BLOCKED = {"Shot_Blocked", "Shot_BlockedSameTeam"}
GOAL_SHOTS = {"Shot_Goal", "Shot_OnNetGoal"}


@pytest.fixture(scope="module")
def warehouse(db_url: str, fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    tracker_dir = fixtures_dir / "tracker"
    workbook = build_fixture_workbook(
        tracker_dir, tmp_path_factory.mktemp("wb") / "BLB_TABLES.xlsx"
    )
    with psycopg.connect(db_url) as conn:
        assert not load_workbook_file(conn, workbook).failed
        outcomes = load_tracking_paths(conn, [tracker_dir])
        assert not [o for o in outcomes if o.failed]
    done = run_dbt(db_url, "build")
    assert done.returncode == 0, done.stdout[-4000:]
    return db_url


# ------------------------------------------------------------------------------------- from JSON
def clock(text: str) -> float | None:
    try:
        minutes, seconds = text.split(":")
        return int(minutes) * 60 + float(seconds)
    except (ValueError, AttributeError):
        return None


def jersey_map(game: dict) -> dict[tuple[str, str], str]:
    return {
        (venue, str(p["num"])): p["id"]
        for venue in ("home", "away")
        for p in game["rosters"][venue]
    }


def expected_box_score(game: dict) -> dict[str, Counter]:
    """Per player: goals, a1, a2, sog, attempts, blocks, fo wins/losses; per team: goals, attempts."""
    ids = jersey_map(game)
    box: dict[str, Counter] = {}

    def credit(venue: str, num, stat: str) -> None:
        pid = ids.get((venue, str(num)))
        if pid:
            box.setdefault(pid, Counter())[stat] += 1

    def player(event: dict, role: str) -> dict | None:
        return next((p for p in event["players"] if p["role"] == role), None)

    other = {"home": "away", "away": "home"}
    for event in game["events"]:
        kind, detail, team = event["type"], event["detail1"], event["team"]
        shooter, opponent = player(event, "event_player_1"), player(event, "opp_player_1")
        if kind == "Goal" and detail == "Goal_Scored":
            box.setdefault(f"team:{team}", Counter())["goals"] += 1
            box[f"team:{team}"]["attempts"] += 1
            credit(team, shooter["num"], "goals")
            credit(team, shooter["num"], "sog")
            credit(team, shooter["num"], "attempts")
        elif kind == "Shot" and detail in SAVED | MISSED | BLOCKED:
            box.setdefault(f"team:{team}", Counter())["attempts"] += 1
            credit(team, shooter["num"], "attempts")
            if detail in SAVED:
                credit(team, shooter["num"], "sog")
            if detail == "Shot_Blocked" and opponent:
                credit(other[team], opponent["num"], "blocks")
        elif kind == "Faceoff":
            if shooter:
                credit(team, shooter["num"], "fo_wins")
            if opponent:
                credit(other[team], opponent["num"], "fo_losses")
        for p in event["players"]:
            if p["role"] == "event_player_1" and event.get("assistToGoalIdx") is not None:
                if p["playD1"] == "AssistPrimary":
                    credit(team, p["num"], "a1")
                elif p["playD1"] == "AssistSecondary":
                    credit(team, p["num"], "a2")
    return box


def skater_shifts(game: dict) -> Iterator[tuple[str, str, int, float, float]]:
    """(venue, player_id, period, start, end) of each known skater's shift row with a readable
    clock; start and end are countdown clock seconds (start > end)."""
    ids = jersey_map(game)
    for shift in game["shifts"]:
        start, end = clock(shift["start_time"]), clock(shift["end_time"])
        if start is None or end is None or start <= end:
            continue
        for venue in ("home", "away"):
            for slot, who in (shift[venue] or {}).items():
                if who and slot != "G" and (venue, str(who["num"])) in ids:
                    yield venue, ids[(venue, str(who["num"]))], shift["period"], start, end


def expected_toi(game: dict) -> Counter:
    toi: Counter = Counter()
    for _venue, player_id, _period, start, end in skater_shifts(game):
        toi[player_id] += start - end
    return toi


# ------------------------------------------------------------------------------------- the checks
@pytest.mark.parametrize("game_id", [18969, 18981])
def test_goals_by_team_match_the_official_finals(warehouse: str, game_id: int) -> None:
    got = dict(
        rows(
            warehouse,
            "select venue, goals_for from fact_team_game_stats where game_id = %s",
            game_id,
        )
    )
    assert (got["home"], got["away"]) == OFFICIAL_FINALS[game_id]
    recon = rows(
        warehouse, "select distinct status from qa_goal_reconciliation where game_id = %s", game_id
    )
    assert recon == [("match",)]


@pytest.mark.parametrize("game_id", [18969, 18981])
def test_player_counting_stats_match_the_json(
    warehouse: str, fixtures_dir: Path, game_id: int
) -> None:
    expected = expected_box_score(read_game(fixtures_dir / "tracker", game_id))
    got = rows(
        warehouse,
        "select player_id, goals, a1, a2, sog, attempts, blocks, fo_wins, fo_losses"
        " from fact_player_game_stats where game_id = %s",
        game_id,
    )
    assert got, "no player rows"
    stats = ("goals", "a1", "a2", "sog", "attempts", "blocks", "fo_wins", "fo_losses")
    for player_id, *values in got:
        want = expected.get(player_id, Counter())
        assert dict(zip(stats, values, strict=True)) == {s: want[s] for s in stats}, player_id
    # Nobody with a stat in the JSON is missing from the table (goalies are in their own table).
    skaters = {r[0] for r in got}
    missing = {
        p
        for p, c in expected.items()
        if not p.startswith("team:") and p not in skaters and c["goals"]
    }
    assert not missing


@pytest.mark.parametrize("game_id", [18969, 18981])
def test_team_attempts_are_counted_once_from_events(
    warehouse: str, fixtures_dir: Path, game_id: int
) -> None:
    expected = expected_box_score(read_game(fixtures_dir / "tracker", game_id))
    got = dict(
        rows(
            warehouse,
            "select venue, attempts_for from fact_team_game_stats where game_id = %s",
            game_id,
        )
    )
    assert got == {
        "home": expected["team:home"]["attempts"],
        "away": expected["team:away"]["attempts"],
    }
    summed = dict(
        rows(
            warehouse,
            "select venue, sum(cf) from fact_player_game_stats where game_id = %s group by venue",
            game_id,
        )
    )
    # Summing on-ice Corsi over skaters counts each attempt about five times: never the team number.
    assert summed["home"] > 4 * got["home"]


@pytest.mark.parametrize("game_id", [18969, 18981])
def test_time_on_ice_matches_the_shifts(warehouse: str, fixtures_dir: Path, game_id: int) -> None:
    expected = expected_toi(read_game(fixtures_dir / "tracker", game_id))
    got = dict(
        rows(
            warehouse,
            "select player_id, toi_seconds from fact_player_game_stats where game_id = %s",
            game_id,
        )
    )
    for player_id, seconds in expected.items():
        assert float(got[player_id]) == pytest.approx(seconds, abs=0.05), player_id


def test_18969_goal_details(warehouse: str) -> None:
    goals = rows(
        warehouse,
        "select event_id - game_id::bigint * 100000, venue, period, strength_state, is_gwg,"
        " a1_player_id is not null, a2_player_id is not null"
        " from fact_goals where game_id = 18969 order by event_id",
    )
    # Read off the JSON: goal idx, team, period; the only secondary assist is on the last goal,
    # the home team's fourth goal is the winner (4-3), and idx 1067 came at 5 on 4.
    assert goals == [
        (189, "home", 1, "5v5", False, True, False),
        (354, "away", 1, "5v5", False, True, False),
        (422, "away", 1, "5v5", False, True, False),
        (975, "home", 2, "5v5", False, True, False),
        (1067, "away", 3, "5v4", False, True, False),
        (1263, "home", 3, "5v5", False, True, False),
        (1496, "home", 3, "5v5", True, True, True),
    ]


def test_extra_assist_flag_in_18969_is_reported(warehouse: str) -> None:
    # 8 AssistPrimary flags for 7 goals: idx 349 (no assistToGoalIdx) and 351 both precede goal 354.
    anomalies = rows(
        warehouse,
        "select flag_event_idx, goal_id - game_id::bigint * 100000, anomaly from qa_assist_anomalies where game_id = 18969",
    )
    assert anomalies == [(349, 354, "extra_primary")]


def test_game_without_shifts_has_events_but_null_on_ice(warehouse: str) -> None:
    (goals,) = rows(warehouse, "select count(*) from fact_goals where game_id = 18965")[0]
    assert goals == 6
    on_ice = rows(
        warehouse,
        "select count(*), count(toi_seconds), count(cf), count(plus_minus), sum(goals)"
        " from fact_player_game_stats where game_id = 18965",
    )[0]
    assert on_ice[0] > 0 and on_ice[1:4] == (0, 0, 0) and on_ice[4] == 6
    grade, reasons = rows(
        warehouse, "select grade, reasons from qa_game_quality where game_id = 18965"
    )[0]
    assert grade == "D"
    assert any("no usable shifts" in r for r in reasons)


def test_template_game_is_unusable(warehouse: str) -> None:
    grade, reasons = rows(
        warehouse, "select grade, reasons from qa_game_quality where game_id = 18977"
    )[0]
    assert grade == "F" and reasons == ["no events (a template or an empty export)"]
    assert rows(warehouse, "select count(*) from fact_player_game_stats where game_id = 18977") == [
        (0,)
    ]
    assert rows(warehouse, "select count(*) from fact_team_game_stats where game_id = 18977") == [
        (0,)
    ]
    status = rows(
        warehouse, "select tracking_status, grade from fact_game_status where game_id = 18977"
    )
    assert status == [("empty", "F")]


def test_partial_game_uses_its_own_period_length(warehouse: str) -> None:
    # 19038 has a 21-minute first period (periodLengths "1": 21); the first shift starts at 21:00.
    (start,) = rows(
        warehouse, "select start_elapsed_s from fact_shifts where game_id = 19038 and shift_idx = 0"
    )[0]
    assert float(start) == 0
    grade, reasons = rows(
        warehouse, "select grade, reasons from qa_game_quality where game_id = 19038"
    )[0]
    assert grade == "D" and "partial: 1 of 3 periods tracked" in reasons


def test_a_game_build_tests_the_games_it_builds(warehouse: str) -> None:
    """A build of some games runs the data tests on those games' rows (macros/tests_by_game.sql):
    a duplicate planted in game 18981 fails the key test and the TOI invariant when 18981 is
    tested or when no game is named, and is not read when only 18969 is."""
    duplicate = (
        "insert into intermediate.int_event_shift_matches"
        " select * from intermediate.int_event_shift_matches where game_id = 18981 limit 1"
    )
    inflate = (
        "update fact_player_game_stats set toi_seconds = toi_seconds + 100000"
        " where game_id = 18981 and player_id = (select min(player_id) from fact_player_game_stats"
        " where game_id = 18981 and toi_seconds is not null)"
    )
    undo = [
        "delete from intermediate.int_event_shift_matches as m using ("
        " select ctid, row_number() over (partition by event_id order by ctid) as n"
        " from intermediate.int_event_shift_matches where game_id = 18981) as d"
        " where m.ctid = d.ctid and d.n > 1",
        inflate.replace("+ 100000", "- 100000"),
    ]
    tests = ["unique_int_event_shift_matches_event_id", "assert_skater_toi_matches_strength"]
    outcomes = {}
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute(duplicate)
        conn.execute(inflate)
        try:
            for games in ("18969", "18981", ""):
                done = run_dbt(warehouse, "test", "--select", *tests, games=games)
                target = Path(done.args[done.args.index("--target-path") + 1])
                results = json.loads((target / "run_results.json").read_text())["results"]
                outcomes[games] = sorted(
                    r["status"] for r in results if r["unique_id"].startswith("test.")
                )
        finally:
            for statement in undo:
                conn.execute(statement)
    assert outcomes == {"18969": ["pass", "pass"], "18981": ["fail", "fail"], "": ["fail", "fail"]}
    assert run_dbt(warehouse, "test", "--select", *tests).returncode == 0


# ------------------------------------------------------------------------------------- incremental
INCREMENTAL_TABLES = [
    "intermediate.int_game_periods_timed",
    "intermediate.int_events_timed",
    "intermediate.int_shifts_timed",
    "intermediate.int_shift_players_unpivoted",
    "intermediate.int_shots_classified",
    "intermediate.int_assists_linked",
    "intermediate.int_shots_located",
    "intermediate.int_goals_linked",
    "intermediate.int_shift_units_grouped",
    "intermediate.int_game_shift_coverage",
    "intermediate.int_event_shift_matches",
    "intermediate.int_event_sides_inferred",
    "intermediate.int_events_attributed",
    "intermediate.int_event_players_resolved",
    "intermediate.int_player_shift_islands",
    "intermediate.int_shift_sides_counted",
    "intermediate.int_shift_skaters_counted",
    "intermediate.int_skater_pairs_overlapped",
    "fact_events",
    "fact_event_players",
    "fact_event_on_ice",
    "fact_shifts",
    "fact_shift_players",
    "fact_shots",
    "fact_player_game_stats",
    "fact_wowy",
    "fact_h2h",
    "fact_line_combos",
    "fact_matchups",
    "fact_player_period_stats",
    "fact_player_game_situation_stats",
    "fact_sequences",
    "fact_plays",
    "fact_goals",
    "fact_saves",
    "fact_faceoffs",
    "fact_penalties",
    "fact_turnovers",
    "fact_zone_entries",
    "fact_zone_exits",
    "fact_stints",
    "fact_goalie_game_stats",
    "fact_team_game_stats",
    "qa_game_quality",
    "qa_strength_anomalies",
    "qa_unknown_jerseys",
    "qa_suspicious_stats",
]


def table_digests(db_url: str) -> dict[tuple[str, int], str]:
    """md5 of each (table, game)'s rows in a stable order: equal digests, equal rows."""
    digests = {}
    with psycopg.connect(db_url) as conn:
        for table in INCREMENTAL_TABLES:
            for game_id, digest in conn.execute(
                f"select game_id, md5(string_agg(t::text, '|' order by t::text)) from {table} as t group by game_id"
            ):
                digests[(table, game_id)] = digest
    return digests


PUBLISHED_RELATIONS = """
    select format('%I.%I', n.nspname, c.relname)
    from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
    where (n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm'))
        or (n.nspname = 'ml' and c.relkind = 'm')
    order by 1
"""


def published_digests(db_url: str) -> dict[str, str]:
    """md5 of every published relation's rows (tables, views and materialized views of the marts'
    schema, and the ML views), whole: equal digests, equal relations."""
    with psycopg.connect(db_url) as conn:
        names = [r[0] for r in conn.execute(PUBLISHED_RELATIONS)]
        return {
            name: conn.execute(
                f"select count(*) || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '')"
                f" from {name} as t"
            ).fetchone()[0]
            for name in names
        }


def row_versions(db_url: str, game_id: int) -> dict[str, set[str]]:
    """xmin of every row of a game: unchanged xmins mean the rows were not rewritten."""
    with psycopg.connect(db_url) as conn:
        return {
            table: {
                r[0]
                for r in conn.execute(
                    f"select xmin::text from {table} where game_id = %s", [game_id]
                )
            }
            for table in INCREMENTAL_TABLES
        }


def test_incremental_rebuild_of_one_game_equals_a_full_rebuild(
    warehouse: str, fixtures_dir: Path
) -> None:
    """Runs last in this module: it replaces game 18969 with its earlier export (100 shifts)."""
    untouched_before = row_versions(warehouse, 18981)
    with psycopg.connect(warehouse) as conn:
        (outcome,) = load_tracking_paths(
            conn, [fixtures_dir / "tracker" / "18969_earlier_export.json"], force=True
        )
    assert outcome.outcome == "replaced"

    # The selection a game build runs (benchsight build --games, the API's single mode).
    game = game_selection([18969])
    done = run_dbt(
        warehouse, "build", "--select", *game.select, "--exclude", *game.exclude, games="18969"
    )
    assert done.returncode == 0, done.stdout[-4000:]
    with psycopg.connect(warehouse, autocommit=True) as conn:
        refresh_views(conn)  # as the worker's ML step and `benchsight build --games` do
    assert rows(warehouse, "select count(*) from fact_shifts where game_id = 18969") == [(100,)]
    assert row_versions(warehouse, 18981) == untouched_before
    incremental = table_digests(warehouse)
    published = published_digests(warehouse)
    assert {"public.fact_events", "public.dim_player", "ml.mv_shot_xg"} <= set(published)

    done = run_dbt(warehouse, "build", "--full-refresh")
    assert done.returncode == 0, done.stdout[-4000:]
    assert table_digests(warehouse) == incremental
    full = published_digests(warehouse)
    assert set(full) == set(published)
    assert {name for name in full if full[name] != published[name]} == set()


def test_a_new_game_and_a_game_that_lost_its_shifts_build_alone_as_in_a_full_build(
    warehouse: str, fixtures_dir: Path, tmp_path: Path
) -> None:
    """Runs after the test above. A game new to the warehouse must be matched to its own shifts
    (game builds used to read a stale event-to-shift table: its events had no strength), and a
    game whose new export has no shifts must lose its old shift rows."""
    with psycopg.connect(warehouse) as conn:
        for table in GAME_TABLES:
            conn.execute(f"delete from raw.{table} where game_id = 18981")
    done = run_dbt(warehouse, "build", "--full-refresh")
    assert done.returncode == 0, done.stdout[-4000:]

    export = json.loads((fixtures_dir / "tracker" / "18969.json").read_bytes())
    export["shifts"], export["savedAt"] = [], "2099-01-01T00:00:00.000Z"
    no_shifts = tmp_path / "18969_no_shifts_later.json"
    no_shifts.write_text(json.dumps(export))
    with psycopg.connect(warehouse) as conn:
        outcomes = load_tracking_paths(conn, [fixtures_dir / "tracker" / "18981.json", no_shifts])
    assert sorted(o.outcome for o in outcomes) == ["loaded", "replaced"]

    done = run_dbt(warehouse, "build", games="18969,18981")
    assert done.returncode == 0, done.stdout[-4000:]
    assert rows(
        warehouse,
        "select game_id, count(*), count(strength_state) from fact_events"
        " where game_id in (18969, 18981) group by game_id order by game_id",
    ) == [(18969, 1593, 0), (18981, 1296, 1290)]  # 6 clock markers: no team, no team view
    assert rows(warehouse, "select count(*) from fact_shift_players where game_id = 18969") == [
        (0,)
    ]
    incremental = table_digests(warehouse)

    done = run_dbt(warehouse, "build", "--full-refresh")
    assert done.returncode == 0, done.stdout[-4000:]
    assert table_digests(warehouse) == incremental
