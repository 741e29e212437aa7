"""Incremental means everything that changed: workbook edits (through the staging API) are seen
by an incremental run, which rebuilds the affected games and league tables and says what and
why in `result.changed`; with nothing changed it says so, quickly.

Real HTTP, a real worker building the real warehouse from the fixture league. Game 18969 is
loaded with one roster entry's player id removed (home #3), so that jersey's player comes from
the league's official game roster, as for a tracker export without ids.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from api_checks import rows
from fixture_league import build_fixture_workbook
from runs_harness import (
    api_server,
    api_settings,
    client,
    create_key,
    wait_terminal,
    worker_process,
)

from benchsight.config import REPO_ROOT
from loaders.tracking import load_tracking_document
from loaders.workbook_load import load_workbook_file

pytestmark = pytest.mark.slow

NEW_PLAYER = "P999001"


@pytest.fixture(scope="module")
def setup(db_url: str, fixtures_dir: Path, tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    state = root / "state"
    state.mkdir()
    workbook = build_fixture_workbook(fixtures_dir / "tracker", root / "BLB_TABLES.xlsx")
    game = json.loads((fixtures_dir / "tracker" / "18969.json").read_text())
    jersey_3 = next(p for p in game["rosters"]["home"] if p["num"] == "3")
    official_id, jersey_3["id"] = jersey_3["id"], ""
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert not load_workbook_file(conn, workbook).failed
        assert load_tracking_document(conn, game, game_id=18969, label="test:18969").outcome in (
            "loaded",
            "replaced",
        )
    settings = api_settings(db_url, REPO_ROOT, state)
    with (
        api_server(settings) as base_url,
        worker_process(db_url, REPO_ROOT, state),
        client(base_url, create_key(db_url, "run")) as http,
    ):
        http.timeout = 120
        yield {"http": http, "db": db_url, "player": official_id}


def build(http, **body) -> dict:
    response = http.post("/api/etl/trigger", json=body)
    assert response.status_code == 202, response.text
    run = wait_terminal(http, response.json()["run_id"], timeout=1500)
    assert run["status"] == "succeeded", run["errors"]
    return run


def test_nothing_changed_after_a_full_build_is_nothing_to_build(setup):
    http = setup["http"]
    full = build(http, mode="full")
    quiet = build(http, mode="incremental")
    assert quiet["result"]["changed"] == {
        "games": [],
        "tables": [],
        "reasons": ["nothing changed since the last successful build"],
    }
    assert quiet["current_step"] == "finished"
    assert quiet["selection"]["select"] == [] and quiet["nodes"]["total"] == 0
    logs = http.get(f"/api/etl/logs/{quiet['run_id']}").json()["lines"]
    assert any("nothing to build" in line["message"] for line in logs)
    full_seconds = full["result"]["duration_seconds"]
    print(  # the figure the README's claim rests on (pytest -s shows it)
        f"full build {full_seconds:.1f} s; incremental with nothing changed"
        f" {quiet['result']['duration_seconds']:.2f} s"
    )
    assert quiet["result"]["duration_seconds"] < full_seconds / 5, (
        quiet["result"]["duration_seconds"],
        full_seconds,
    )


def test_a_roster_edit_rebuilds_that_games_player_stats_with_the_new_player(setup):
    http, db = setup["http"], setup["db"]
    old = setup["player"]
    stats_query = (
        "select goals, assists, points from fact_player_game_stats"
        " where game_id = 18969 and player_id = %s"
    )
    before = rows(db, stats_query, old)
    assert len(before) == 1, "jersey 3 resolved from the official roster before the edit"
    added = http.post(
        "/api/staging/blb-tables/upload",
        json={
            "table_name": "dim_player",
            "data": [{"player_id": NEW_PLAYER, "player_full_name": "Nova Newcomer"}],
        },
    )
    assert added.status_code == 200, added.text
    edited = http.put(
        "/api/staging/blb-tables/update",
        json={
            "table_name": "fact_gameroster",
            "filter_column": "player_id",
            "filter_value": old,
            "updates": {"player_id": NEW_PLAYER, "player_full_name": "Nova Newcomer"},
        },
    )
    assert edited.status_code == 200 and edited.json()["rows_updated"] >= 1, edited.text
    edited_games = sorted(
        int(r[0])
        for r in rows(
            db, "select game_id from raw.blb_fact_gameroster where player_id = %s", NEW_PLAYER
        )
    )

    run = build(http, mode="incremental")
    changed = run["result"]["changed"]
    assert changed["tables"] == ["blb_dim_player", "blb_fact_gameroster"]
    assert 18969 in changed["games"] and set(edited_games) <= set(changed["games"])
    assert any("blb_fact_gameroster: game 18969" in r for r in changed["reasons"])
    assert rows(db, stats_query, NEW_PLAYER) == before
    assert rows(db, stats_query, old) == []
    roster = "select count(*) from fact_gameroster where game_id::text = '18969' and player_id = %s"
    assert rows(db, roster, NEW_PLAYER) == [(1,)] and rows(db, roster, old) == [(0,)]


def test_an_official_score_change_changes_the_standings(setup):
    http, db = setup["http"], setup["db"]
    home, away, game_type = rows(
        db,
        "select home_team_id, away_team_id, game_type from raw.blb_dim_schedule where game_id = '18981'",
    )[0]
    standings = (
        "select team_id, wins, losses, goals_for, goals_against from fact_standings"
        " where game_type = %s and team_id in (%s, %s) order by team_id"
    )
    before = {r[0]: r[1:] for r in rows(db, standings, game_type, home, away)}
    assert set(before) == {home, away}
    # 2-1 for the home team becomes 2-5.
    edited = http.put(
        "/api/staging/blb-tables/update",
        json={
            "table_name": "dim_schedule",
            "filter_column": "game_id",
            "filter_value": "18981",
            "updates": {"away_total_goals": "5"},
        },
    )
    assert edited.status_code == 200 and edited.json()["rows_updated"] == 1, edited.text

    run = build(http, mode="incremental")
    changed = run["result"]["changed"]
    assert changed["tables"] == ["blb_dim_schedule"] and changed["games"] == [18981]
    assert any("blb_dim_schedule: game 18981" in r for r in changed["reasons"])
    after = {r[0]: r[1:] for r in rows(db, standings, game_type, home, away)}
    wins, losses, goals_for, goals_against = before[home]
    assert after[home] == (wins - 1, losses + 1, goals_for, goals_against + 4)
    wins, losses, goals_for, goals_against = before[away]
    assert after[away] == (wins + 1, losses - 1, goals_for + 4, goals_against)

    again = build(http, mode="incremental")
    assert again["result"]["changed"]["games"] == [] and again["nodes"]["total"] == 0


def test_without_a_publish_target_the_warehouse_is_the_target(setup):
    """No BENCHSIGHT_PUBLISH_URL here: publishing says the warehouse is the target and counts
    what it holds; regenerate_schema writes the file schema-file then serves."""
    http, db = setup["http"], setup["db"]
    response = http.post("/api/upload/to-supabase", json={"tables": ["dim_team", "fact_standings"]})
    assert response.status_code == 202, response.text
    done = wait_terminal(http, response.json()["run_id"], timeout=900)
    assert done["status"] == "succeeded", done["errors"]
    counted = sum(
        rows(db, f"select count(*) from public.{t}")[0][0] for t in ("dim_team", "fact_standings")
    )
    assert done["result"]["published_to"] == "target"
    assert (done["result"]["tables_uploaded"], done["result"]["rows_uploaded"]) == (2, counted)
    seed = http.get(f"/api/upload/status/{done['run_id']}").json()
    assert (seed["published_to"], seed["tables_uploaded"], seed["rows_uploaded"]) == (
        "target",
        2,
        counted,
    )

    run = build(http, mode="full", tables=["dim_team"], options={"regenerate_schema": True})
    written = Path(run["result"]["schema_file"])
    assert written.is_file() and run["result"]["tables_generated"] > 40
    ddl = written.read_text()
    assert "create table public.dim_team (" in ddl and "fact_standings" in ddl
    assert http.get("/api/upload/schema-file").text == ddl
