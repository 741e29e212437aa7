"""Games endpoints over real HTTP, a real worker and the real warehouse project.

The league workbook of the fixture games is loaded first (the loaders, as `benchsight load
workbook` would); the schedule endpoints, filters and tracking-upload errors run without a build.
The end-to-end test last runs a `source: excel` full build (reloading the workbook and a
one-game tracker folder), then uploads 18969.json through the API with build=true, waits for the
single-game run and reads the goals back through the status endpoint: two builds for the module.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pytest
from api_checks import HOSTILE_COLUMNS, changed_tables, error, fingerprint, rows
from fixture_league import OFFICIAL_FINALS, SEASON_ID, excel_source
from runs_harness import api_server, api_settings, create_key, wait_terminal, worker_process

from benchsight.config import REPO_ROOT
from loaders.tables import TRACKER_TABLES

pytestmark = pytest.mark.slow
MAX_UPLOAD = 3 * 1024 * 1024
JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIXTURE_GAMES = [18965, 18969, 18977, 18981, 19038]


@pytest.fixture(scope="module")
def setup(db_url: str, fixtures_dir: Path, tmp_path_factory):
    root = tmp_path_factory.mktemp("games")
    # What `source: excel` reloads: the same workbook and a tracker folder holding one game.
    state, workbook, tracker_dir = excel_source(db_url, fixtures_dir, root, ("18981.json",))
    settings = api_settings(db_url, REPO_ROOT, state, max_upload_bytes=MAX_UPLOAD)
    sources = {
        "BENCHSIGHT_WORKBOOK_PATH": str(workbook),
        "BENCHSIGHT_TRACKER_DIR": str(tracker_dir),
    }
    with (
        api_server(settings) as base_url,
        worker_process(db_url, REPO_ROOT, state, extra_env=sources),
    ):
        yield {
            "url": base_url,
            "db": db_url,
            "workbook": workbook,
            "run": create_key(db_url, "run"),
            "admin": create_key(db_url, "admin"),
        }


def upload(http: httpx.Client, game_id: int, name: str, data: bytes, content_type: str, **params):
    return http.post(
        f"/api/games/{game_id}/tracking",
        files={"file": (name, io.BytesIO(data), content_type)},
        params=params,
    )


# ------------------------------------------------------------------------------- schedule rows
def test_schedule_row_create_update_delete(setup, http, admin):
    db = setup["db"]
    game = {
        "game_id": 5001,
        "season_id": SEASON_ID,
        "date": "2025-10-19",
        "home_team_id": "N10001",
        "away_team_id": "N10002",
        "home_total_goals": 2,
        "away_total_goals": 1,
        "schedule_type": "Past",
    }
    created = http.post("/api/games", json=game)
    assert created.status_code == 201, created.text
    assert created.json()["schedule"]["home_total_goals"] == "2"
    assert rows(
        db,
        "select season_id, date, home_total_goals, source from raw.blb_dim_schedule where game_id = '5001'",
    ) == [(SEASON_ID, "2025-10-19", "2", "api")]
    error(http.post("/api/games", json=game), 409, "game_exists")
    body = error(http.post("/api/games", json={**game, "game_id": 5002, "venue": "Rink 2"}), 422)
    assert body["code"] == "unknown_columns" and body["errors"][0]["values"] == ["venue"]
    error(http.post("/api/games", json={"season_id": SEASON_ID}), 422, "validation_error")

    updated = http.put("/api/games/5001", json={"home_total_goals": 3, "game_time": "21:15"})
    assert updated.status_code == 200, updated.text
    assert rows(
        db,
        "select home_total_goals, away_total_goals, game_time, date from raw.blb_dim_schedule where game_id = '5001'",
    ) == [("3", "1", "21:15", "2025-10-19")]
    error(http.put("/api/games/5001", json={"game_id": 5003}), 409, "game_id_mismatch")
    error(http.put("/api/games/5999", json={"home_total_goals": 1}), 404, "not_found")

    before = fingerprint(db)
    for column in HOSTILE_COLUMNS:
        body = error(http.put("/api/games/5001", json={column: "x"}), 422, "unknown_columns")
        assert body["errors"][0]["values"] == [column]
        error(http.post("/api/games", json={**game, "game_id": 5004, column: "x"}), 422)
    assert changed_tables(before, fingerprint(db)) == set()

    error(admin.delete("/api/games/5001"), 400, "confirmation_required")
    error(http.delete("/api/games/5001", params={"confirm": "true"}), 403, "forbidden")
    deleted = admin.delete("/api/games/5001", params={"confirm": "true"})
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {
        "game_id": 5001,
        "schedule_rows_deleted": 1,
        "tracking_rows_deleted": {},
    }
    assert rows(db, "select count(*) from raw.blb_dim_schedule where game_id = '5001'") == [(0,)]
    error(admin.delete("/api/games/5001", params={"confirm": "true"}), 404, "not_found")


def test_list_filters_and_cursor_paging(setup, http):
    everything = http.get("/api/games").json()
    assert [g["game_id"] for g in everything["games"]] == FIXTURE_GAMES
    assert everything["next_cursor"] is None
    first = everything["games"][1]
    assert (first["home_goals_official"], first["away_goals_official"]) == OFFICIAL_FINALS[18969]
    assert first["tracking_status"] == "untracked" and first["grade"] is None

    seen, cursor = [], None
    while True:
        page = http.get("/api/games", params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        body = page.json()
        seen += [g["game_id"] for g in body["games"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == FIXTURE_GAMES

    team = first["home_team_id"]
    by_team = http.get("/api/games", params={"team_id": team}).json()["games"]
    assert by_team and all(team in (g["home_team_id"], g["away_team_id"]) for g in by_team)
    assert http.get("/api/games", params={"season_id": "nope"}).json()["games"] == []
    hostile = {"season_id": "x' or '1'='1", "team_id": "T1'); delete from raw.blb_dim_schedule; --"}
    assert http.get("/api/games", params=hostile).json()["games"] == []
    assert len(http.get("/api/games", params={"status": "untracked"}).json()["games"]) == 5
    assert http.get("/api/games", params={"grade": "A"}).json()["games"] == []
    error(http.get("/api/games", params={"status": "bogus"}), 422, "validation_error")
    error(http.get("/api/games", params={"cursor": "not-a-cursor"}), 400, "invalid_cursor")
    error(http.get("/api/games/424242"), 404, "not_found")


# ------------------------------------------------------------------------------ tracking upload
def test_bad_tracking_uploads_are_4xx_and_write_nothing(setup, http, fixtures_dir):
    db = setup["db"]
    before = fingerprint(db)
    game = (fixtures_dir / "tracker" / "18969.json").read_bytes()
    error(upload(http, 18969, "18969.json", game, "text/plain"), 415, "unsupported_media_type")
    error(upload(http, 18969, "18969.json", game, "image/png"), 415)
    error(upload(http, 18969, "x.json", b'{"hello": "world"}', JSON), 422, "not_a_tracker_export")
    error(upload(http, 18969, "x.json", b"[1, 2, 3]", JSON), 422, "not_a_tracker_export")
    error(upload(http, 18969, "x.json", b'{"gameId": 18969, "ev', JSON), 422, "invalid_json")
    error(upload(http, 18969, "x.json", b"", JSON), 422, "empty_file")
    workbook = setup["workbook"].read_bytes()
    body = error(upload(http, 18969, "BLB_TABLES.xlsx", workbook, XLSX), 422)
    assert body["code"] == "not_a_tracker_export" and body["errors"][0]["location"]
    error(upload(http, 18969, "x.xlsx", game, XLSX), 415, "unsupported_media_type")
    other = (fixtures_dir / "tracker" / "18981.json").read_bytes()
    error(upload(http, 18969, "18981.json", other, JSON), 409, "game_id_mismatch")
    xlsx = (fixtures_dir / "tracker_xlsx" / "v29" / "18981_tracking.xlsx").read_bytes()
    error(upload(http, 18969, "18981_tracking.xlsx", xlsx, XLSX), 409, "game_id_mismatch")
    document = json.loads(game)
    document["events"][7]["period"] = "first"
    broken = json.dumps(document).encode()
    body = error(upload(http, 18969, "18969.json", broken, JSON), 422, "invalid_tracker_file")
    assert body["errors"][0]["location"].startswith("$.events[7].period")
    too_big = b'{"gameId": 18969, "events": [' + b"0," * (MAX_UPLOAD // 2) + b"0]}"
    error(upload(http, 18969, "big.json", too_big, JSON), 413)
    error(http.post("/api/games/18969/tracking", json={"gameId": 18969}), 400)
    assert changed_tables(before, fingerprint(db)) == set()


def test_xlsx_upload_loads_the_game_and_reports_a_stale_grade(setup, http, fixtures_dir):
    db = setup["db"]
    xlsx = (fixtures_dir / "tracker_xlsx" / "v29" / "18981_tracking.xlsx").read_bytes()
    loaded = upload(http, 18981, "18981_tracking.xlsx", xlsx, XLSX)
    assert loaded.status_code == 200, loaded.text
    body = loaded.json()
    assert body["outcome"] == "loaded" and body["source_format"] == "xlsx"
    assert body["is_scheduled"] is True and body["build"] is None
    assert body["grade"]["stale"] is True and body["grade"]["grade"] is None
    assert "stale" in body["grade"]["note"]
    assert rows(
        db,
        "select count(*), min(l.source) from raw.tracker_events e"
        " join raw.loads l using (load_id) where e.game_id = 18981",
    ) == [(body["events"], "api")]
    again = upload(http, 18981, "18981_tracking.xlsx", xlsx, XLSX).json()
    assert again["outcome"] == "unchanged"
    listed = {g["game_id"]: g for g in http.get("/api/games").json()["games"]}
    assert listed[18981]["has_tracking"] and listed[18981]["tracking_status"] == "not_built"
    detail = http.get("/api/games/18981").json()
    assert detail["schedule"]["home_total_goals"] == "2"
    assert [f["file_name"] for f in detail["tracking_files"]] == [
        "api:game/18981/18981_tracking.xlsx"
    ]
    assert detail["tracking_files"][0]["chosen"] and detail["last_build"] is None


def test_delete_of_a_tracked_game_needs_cascade_and_removes_its_rows(setup, admin):
    db = setup["db"]
    error(admin.delete("/api/games/18981", params={"confirm": "true"}), 409, "has_tracking_data")
    before = fingerprint(db)
    removed = admin.delete("/api/games/18981", params={"confirm": "true", "cascade": "true"})
    assert removed.status_code == 200, removed.text
    body = removed.json()
    assert (
        body["schedule_rows_deleted"] == 1 and body["tracking_rows_deleted"]["tracker_games"] == 1
    )
    assert body["tracking_rows_deleted"]["tracker_events"] > 0
    for table in ("tracker_games", "tracker_events", "tracker_shifts", "tracking_files"):
        assert rows(db, f"select count(*) from raw.{table} where game_id = 18981") == [(0,)]
    assert changed_tables(before, fingerprint(db)) <= {
        "blb_dim_schedule",
        "load_warnings",
        "tracking_files",
        *(t for t in before if t.startswith("tracker_")),
    }
    # The other games' schedule rows are intact.
    assert rows(db, "select count(*) from raw.blb_dim_schedule") == [(4,)]


# ------------------------------------------------------------------------------------ end to end
def test_end_to_end_upload_build_and_read_back_the_score(setup, http, fixtures_dir):
    """source=excel reloads the workbook and the one-game folder, then a full build; 18969 is
    then uploaded with build=true (a single-game build) and read back through the status."""
    db = setup["db"]
    full = http.post("/api/etl/trigger", json={"mode": "full", "source": "excel"})
    assert full.status_code == 202, full.text
    first = wait_terminal(http, full.json()["run_id"], timeout=600)
    assert first["status"] == "succeeded", first["errors"]
    # The reload put back the schedule row the cascade delete removed, and loaded 18981.
    assert rows(db, "select count(*), min(source) from raw.blb_dim_schedule") == [(5, "file")]
    assert rows(db, "select game_id, source from raw.tracker_games") == [(18981, "file")]
    workbook_rows = rows(
        db,
        "select sum(value::int) from raw.loads, jsonb_each_text(row_counts)"
        " where kind = 'workbook' and load_id = (select max(load_id) from raw.loads where kind = 'workbook')",
    )[0][0]
    tracker_rows = sum(
        rows(db, f"select count(*) from raw.{table} where game_id = 18981")[0][0]
        for table in TRACKER_TABLES
    )
    assert first["rows_loaded"] == workbook_rows + tracker_rows
    logs = http.get(f"/api/etl/logs/{first['run_id']}").json()["lines"]
    assert any("BLB_TABLES.xlsx" in line["message"] for line in logs), logs
    built = http.get("/api/games/18981/status").json()
    assert (built["goals"]["home_tracked"], built["goals"]["away_tracked"]) == OFFICIAL_FINALS[
        18981
    ]

    game = (fixtures_dir / "tracker" / "18969.json").read_bytes()
    posted = upload(http, 18969, "18969.json", game, JSON, build="true")
    assert posted.status_code == 200, posted.text
    body = posted.json()
    assert body["outcome"] == "loaded" and body["events"] == 1593 and body["shifts"] == 98
    assert body["build"]["mode"] == "single" and body["build"]["selection"]["vars"] == {
        "game_ids": [18969]
    }
    assert body["grade"]["stale"] is True and "queued" in body["grade"]["note"]
    run = wait_terminal(http, body["build"]["run_id"], timeout=600)
    assert run["status"] == "succeeded", run["errors"]

    status = http.get("/api/games/18969/status").json()
    home, away = OFFICIAL_FINALS[18969]
    assert status["goals"] == {
        "home_official": home,
        "away_official": away,
        "home_tracked": home,
        "away_tracked": away,
        "matches": True,
    }
    assert status["tracking_status"] == "tracked" and status["grade"] in ("A", "B")
    assert status["last_build"]["run_id"] == run["run_id"]
    assert (
        status["last_build"]["stale"] is False and status["last_build"]["run_status"] == "succeeded"
    )
    assert status["last_load"]["outcome"] == "loaded" and status["last_load"]["source"] == "api"
    detail = http.get("/api/games/18969").json()
    assert detail["grade"] == status["grade"] and detail["reasons"] == status["reasons"]
    assert [(f["file_name"], f["source"], f["chosen"]) for f in detail["tracking_files"]] == [
        ("api:game/18969/18969.json", "api", True)
    ]
    assert detail["last_build"]["run_id"] == run["run_id"]
    assert detail["schedule"]["home_total_goals"] == str(home)
    graded = http.get("/api/games", params={"grade": status["grade"]}).json()["games"]
    assert 18969 in [g["game_id"] for g in graded]
    tracked = http.get("/api/games", params={"status": "tracked"}).json()["games"]
    assert [g["game_id"] for g in tracked] == [18969, 18981]
    assert (
        http.get("/api/games", params={"status": "untracked"}).json()["games"][0]["game_id"]
        == 18965
    )
