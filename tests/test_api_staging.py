"""Staging endpoints over real HTTP against a real database: values written, errors, atomicity.

No builds here (no worker): staging only writes raw. Every hostile-name request is followed by
a fingerprint of all raw tables, which must be unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from api_checks import HOSTILE_COLUMNS, HOSTILE_NAMES, changed_tables, error, fingerprint, rows
from runs_harness import api_server, api_settings, client, create_key, make_tiny_project

from loaders.tables import WORKBOOK_SHEETS

pytestmark = pytest.mark.slow
MAX_BODY = 64 * 1024
MAX_UPLOAD = 4 * 1024 * 1024

PLAYERS = [
    {"player_id": "P1", "player_full_name": "Ada Lovelace", "current_skill_rating": 7},
    {"player_id": "P2", "player_full_name": "Grace Hopper", "current_skill_rating": 5.5},
    {"player_id": "P3", "player_full_name": "Alan Turing", "current_skill_rating": None},
]
TEAMS = [
    {"team_id": "T1", "team_name": "Ravens"},
    {"team_id": "T2", "team_name": "Crows"},
]


@pytest.fixture(scope="module")
def setup(db_url: str, tmp_path_factory):
    root = tmp_path_factory.mktemp("staging")
    project = make_tiny_project(root / "project")
    (root / "state").mkdir()
    settings = api_settings(
        db_url, project, root / "state", max_body_bytes=MAX_BODY, max_upload_bytes=MAX_UPLOAD
    )
    with api_server(settings) as base_url:
        yield {
            "url": base_url,
            "db": db_url,
            "run": create_key(db_url, "run"),
            "read": create_key(db_url, "read"),
            "admin": create_key(db_url, "admin"),
        }


def test_list_names_the_16_tables_with_zero_rows(setup, http):
    # The seed's list: the table names; /blb-tables has the counts, keys and columns.
    assert http.get("/api/staging/blb-tables/list").json() == [s.name for s in WORKBOOK_SHEETS]
    body = http.get("/api/staging/blb-tables").json()
    assert [t["table_name"] for t in body["tables"]] == [s.name for s in WORKBOOK_SHEETS]
    assert len(body["tables"]) == 16 and all(t["rows"] == 0 for t in body["tables"])
    player = next(t for t in body["tables"] if t["table_name"] == "dim_player")
    assert player["raw_table"] == "raw.blb_dim_player" and player["key"] == ["player_id"]


def test_upload_appends_then_replaces_and_counts_follow(setup, http):
    db = setup["db"]
    first = http.post(
        "/api/staging/blb-tables/upload", json={"table_name": "dim_player", "data": PLAYERS}
    )
    assert first.status_code == 200, first.text
    assert first.json()["rows_inserted"] == 3 and first.json()["rows_deleted"] == 0
    assert first.json()["rows_updated"] == 0 and first.json()["errors"] == []
    assert rows(
        db,
        "select player_id, player_full_name, current_skill_rating, source from raw.blb_dim_player order by player_id",
    ) == [
        ("P1", "Ada Lovelace", "7", "api"),
        ("P2", "Grace Hopper", "5.5", "api"),
        ("P3", "Alan Turing", None, "api"),
    ]
    again = http.post(
        "/api/staging/blb-tables/upload",
        json={"table_name": "blb_dim_player", "data": PLAYERS[:1]},
    )
    assert again.json()["rows_inserted"] == 1
    assert rows(db, "select count(*) from raw.blb_dim_player") == [(4,)]

    replaced = http.post(
        "/api/staging/blb-tables/upload",
        json={"table_name": "dim_player", "data": PLAYERS[1:], "replace": True},
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["rows_inserted"] == 2 and replaced.json()["rows_deleted"] == 4
    assert rows(db, "select player_id from raw.blb_dim_player order by 1") == [("P2",), ("P3",)]
    http.post("/api/staging/blb-tables/upload", json={"table_name": "dim_team", "data": TEAMS})
    listed = {
        t["table_name"]: t["rows"] for t in http.get("/api/staging/blb-tables").json()["tables"]
    }
    assert listed["dim_player"] == 2 and listed["dim_team"] == 2 and listed["dim_season"] == 0
    load = rows(
        db,
        "select kind, source, table_name, outcome from raw.loads where load_id = %s",
        replaced.json()["load_id"],
    )
    assert load == [("workbook_rows", "api", "blb_dim_player", "replaced")]


def test_unknown_columns_are_422_listing_them_and_nothing_changes(setup, http):
    before = fingerprint(setup["db"])
    body = error(
        http.post(
            "/api/staging/blb-tables/upload",
            json={
                "table_name": "dim_player",
                "data": [{"player_id": "P9", "shoe_size": 44, "Favourite Colour": "red"}],
                "replace": True,
            },
        ),
        422,
        "unknown_columns",
    )
    assert body["errors"][0]["values"] == ["Favourite Colour", "shoe_size"]
    assert changed_tables(before, fingerprint(setup["db"])) == set()


def test_a_failing_replace_leaves_the_old_rows(setup, http):
    before = fingerprint(setup["db"])
    bad = [{"player_id": "P7"}, {"player_id": "P8", "player_full_name": {"nested": "value"}}]
    body = error(
        http.post(
            "/api/staging/blb-tables/upload",
            json={"table_name": "dim_player", "data": bad, "replace": True},
        ),
        422,
        "invalid_rows",
    )
    assert body["errors"][0]["location"] == "rows[1].player_full_name"
    assert changed_tables(before, fingerprint(setup["db"])) == set()
    assert rows(setup["db"], "select player_id from raw.blb_dim_player order by 1") == [
        ("P2",),
        ("P3",),
    ]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_table_names_are_refused_everywhere_and_change_nothing(setup, http, admin, name):
    before = fingerprint(setup["db"])
    error(
        http.post(
            "/api/staging/blb-tables/upload",
            json={"table_name": name or " ", "data": PLAYERS, "replace": True},
        ),
        400,
        "unknown_table",
    )
    error(
        http.put(
            "/api/staging/blb-tables/update",
            json={
                "table_name": name or " ",
                "filter_column": "player_id",
                "filter_value": "P2",
                "updates": {"player_full_name": "x"},
            },
        ),
        400,
        "unknown_table",
    )
    if name and "/" not in name:
        error(
            admin.delete(f"/api/staging/blb-tables/{name}", params={"confirm": "true"}),
            400,
            "unknown_table",
        )
    assert changed_tables(before, fingerprint(setup["db"])) == set()


@pytest.mark.parametrize("column", HOSTILE_COLUMNS)
def test_hostile_column_names_are_refused_everywhere_and_change_nothing(setup, http, column):
    before = fingerprint(setup["db"])
    body = error(
        http.post(
            "/api/staging/blb-tables/upload",
            json={"table_name": "dim_player", "data": [{"player_id": "P5", column: "x"}]},
        ),
        422,
        "unknown_columns",
    )
    assert body["errors"][0]["values"] == [column]
    for update in (
        {"filter_column": column, "filter_value": "P2", "updates": {"player_full_name": "x"}},
        {"filter_column": "player_id", "filter_value": "P2", "updates": {column: "x"}},
    ):
        body = error(
            http.put("/api/staging/blb-tables/update", json={"table_name": "dim_player", **update}),
            422,
            "unknown_columns",
        )
        assert body["errors"][0]["values"] == [column]
    assert changed_tables(before, fingerprint(setup["db"])) == set()


def test_update_changes_only_the_matching_rows_and_binds_hostile_values(setup, http):
    db = setup["db"]
    before = fingerprint(db)
    untouched = rows(db, "select * from raw.blb_dim_player where player_id = 'P3'")
    hostile = "x'; drop table raw.blb_dim_team; --"
    response = http.put(
        "/api/staging/blb-tables/update",
        json={
            "table_name": "dim_player",
            "filter_column": "player_id",
            "filter_value": "P2",
            "updates": {"player_full_name": hostile, "birth_year": 1906},
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["rows_updated"] == 1
    assert rows(
        db,
        "select player_full_name, birth_year, source from raw.blb_dim_player where player_id = 'P2'",
    ) == [(hostile, "1906", "api")]
    assert rows(db, "select * from raw.blb_dim_player where player_id = 'P3'") == untouched
    assert changed_tables(before, fingerprint(db)) == {"blb_dim_player", "loads"}

    nobody = http.put(
        "/api/staging/blb-tables/update",
        json={
            "table_name": "dim_player",
            "filter_column": "player_id",
            "filter_value": "P2' or '1'='1",
            "updates": {"player_full_name": "everyone"},
        },
    )
    assert nobody.json() == {"table_name": "dim_player", "rows_updated": 0, "load_id": None}
    assert rows(
        db, "select count(*) from raw.blb_dim_player where player_full_name = 'everyone'"
    ) == [(0,)]


def test_clear_needs_confirm_and_admin_then_empties_only_that_table(setup, http, admin):
    db = setup["db"]
    error(admin.delete("/api/staging/blb-tables/dim_team"), 400, "confirmation_required")
    error(http.delete("/api/staging/blb-tables/dim_team", params={"confirm": "true"}), 403)
    before = fingerprint(db)
    cleared = admin.delete("/api/staging/blb-tables/dim_team", params={"confirm": "true"})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json() == {"table_name": "dim_team", "rows_deleted": 2, "status": "cleared"}
    # The table's own load warnings go with its rows; nothing else changes.
    assert changed_tables(before, fingerprint(db)) == {"blb_dim_team", "loads", "load_warnings"}
    assert rows(db, "select count(*) from raw.load_warnings where table_name = 'blb_dim_team'") == [
        (0,)
    ]
    assert rows(db, "select count(*) from raw.blb_dim_player") == [(2,)]


def test_writes_need_the_run_scope(setup):
    with client(setup["url"], setup["read"]) as reader:
        assert reader.get("/api/staging/blb-tables/list").status_code == 200
        error(
            reader.post(
                "/api/staging/blb-tables/upload", json={"table_name": "dim_team", "data": TEAMS}
            ),
            403,
            "forbidden",
        )


def _game(fixtures_dir: Path) -> dict:
    game = json.loads((fixtures_dir / "tracker" / "18969.json").read_text())
    return {
        "game_id": 18969,
        "events": game["events"],
        "shifts": game["shifts"],
        "rosters": game["rosters"],
    }


def test_tracking_upload_replaces_the_games_rows_atomically(setup, http, fixtures_dir):
    db = setup["db"]
    game = _game(fixtures_dir)
    loaded = http.post("/api/staging/tracking/upload", json=game)
    assert loaded.status_code == 200, loaded.text
    assert loaded.json()["outcome"] == "loaded"
    assert loaded.json()["events"] == 1593 and loaded.json()["shifts"] == 98
    assert (loaded.json()["events_inserted"], loaded.json()["shifts_inserted"]) == (1593, 98)
    assert loaded.json()["errors"] == []
    assert rows(
        db,
        "select count(*), min(l.source) from raw.tracker_events e"
        " join raw.loads l using (load_id) where e.game_id = 18969",
    ) == [(1593, "api")]
    same = http.post("/api/staging/tracking/upload", json=game)
    assert same.json()["outcome"] == "unchanged" and same.json()["events_inserted"] == 0
    assert same.json()["errors"] == []

    smaller = {**game, "events": game["events"][:40], "shifts": game["shifts"][:5]}
    replaced = http.post("/api/staging/tracking/upload", json=smaller)
    assert replaced.json()["outcome"] == "replaced", replaced.text
    assert rows(db, "select count(*) from raw.tracker_events where game_id = 18969") == [(40,)]
    assert rows(db, "select count(*) from raw.tracker_shifts where game_id = 18969") == [(5,)]

    before = fingerprint(db)
    broken = {**game, "events": [*game["events"][:10], {**game["events"][10], "period": "late"}]}
    body = error(http.post("/api/staging/tracking/upload", json=broken), 422, "invalid_tracking")
    assert body["errors"][0]["location"].startswith("$.events[10].period")
    error(
        http.post("/api/staging/tracking/upload", json={"events": [], "shifts": []}),
        422,
        "validation_error",
    )
    error(
        http.post(
            "/api/staging/tracking/upload",
            json={"game_id": "18969; drop table raw.tracker_events", "events": [], "shifts": []},
        ),
        422,
        "validation_error",
    )
    assert changed_tables(before, fingerprint(db)) == set()


def test_bodies_over_the_limit_are_413_and_write_nothing(setup, http, fixtures_dir):
    before = fingerprint(setup["db"])
    # Uploads take up to the upload limit; every other body keeps the small API limit.
    error(
        http.put(
            "/api/staging/blb-tables/update",
            json={
                "table_name": "dim_player",
                "filter_column": "player_id",
                "filter_value": "P2",
                "updates": {"player_full_name": "x" * MAX_BODY},
            },
        ),
        413,
    )
    many = [{"player_id": f"P{i}", "player_full_name": "x" * 100} for i in range(40_000)]
    error(
        http.post(
            "/api/staging/blb-tables/upload", json={"table_name": "dim_player", "data": many}
        ),
        413,
    )
    game = _game(fixtures_dir)
    huge = {**game, "events": game["events"] * 4}
    error(http.post("/api/staging/tracking/upload", json=huge), 413)
    assert changed_tables(before, fingerprint(setup["db"])) == set()
