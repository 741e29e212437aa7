"""An empty league: every model refuses with the reason and the counts, and the API says so
instead of answering with a number."""

from __future__ import annotations

import pytest
from ml_scan import scan
from runs_harness import api_server, api_settings, client, create_key, make_tiny_project

from benchsight.ml.train import MODELS, train


@pytest.fixture(scope="module")
def http(db_url: str, tmp_path_factory: pytest.TempPathFactory):
    report = train(db_url)
    assert {m.outcome for m in report.models} == {"insufficient_data"}
    project = make_tiny_project(tmp_path_factory.mktemp("ml_project"))
    settings = api_settings(db_url, project, tmp_path_factory.mktemp("ml_empty"))
    with api_server(settings) as base, client(base, create_key(db_url, "read")) as http:
        yield http


def test_health_names_each_model_and_why(http) -> None:
    health = http.get("/api/ml/health").json()
    assert health["status"] == "degraded"
    for model in health["models"]:
        assert model["state"] == "insufficient_data"
        assert "not built" in model["reason"]
        assert model["version"] is None


def test_predictions_are_refused_with_the_reason(http) -> None:
    assert http.get("/api/ml/models").json() == {"models": []}
    for answer in (
        http.post("/api/ml/predict/game-outcome", json={"home_team": "A", "away_team": "B"}),
        http.get("/api/ml/predict/playoff-probability"),
    ):
        assert answer.status_code == 200
        body = answer.json()
        assert body["status"] == "insufficient_data"
        assert body["model_name"] == "game_outcome" and "not built" in body["reason"]
        assert not any(isinstance(v, float) for v in body.values())


def test_line_endpoints_are_refused_with_the_reason(http) -> None:
    for answer in (
        http.post("/api/ml/predict/line-chemistry", json={"player_ids": ["P1", "P2"]}),
        http.post("/api/ml/optimize/lineup", json={"team_id": "T1"}),
    ):
        assert answer.status_code == 200
        body = answer.json()
        assert body["status"] == "insufficient_data"
        assert body["model_name"] == "player_impact" and "not built" in body["reason"]
        assert not any(isinstance(v, float) for v in body.values())


# --- the scan: every ML endpoint on the empty league and on a one-game league ----------------


def test_every_ml_endpoint_refuses_on_the_empty_league(http) -> None:
    ids = {"team": "N10001", "team2": "N10002", "goalie": "P100015", "skater": "P100001",
           "skater2": "P100002", "game": 1}  # fmt: skip
    outcomes = scan(http, ids)
    listings = {k for k in outcomes if k.startswith(("GET /api/ml/models", "GET /api/ml/health"))}
    assert {k: v for k, v in outcomes.items() if k not in listings and v != "refused"} == {}


@pytest.fixture(scope="module")
def one_game(pg_admin_url: str, template_db: str, tmp_path_factory: pytest.TempPathFactory):
    """A generated league with one tracked game (two teams, plus two untracked past games and an
    upcoming one), built and trained like the ML modules' league, and its API."""
    import psycopg
    from dbt_harness import run_dbt
    from ml_league import _create, _drop, _url

    from benchsight.sample import generate
    from loaders.tracking import load_tracking_paths
    from loaders.workbook_load import load_workbook_file

    name = f"{template_db}_ml_one_game"
    _create(pg_admin_url, name, template_db)
    url = _url(pg_admin_url, name)
    out = tmp_path_factory.mktemp("ml_one_game")
    generate(out, teams=2, games=1, seed=3, flaws=0.0)
    with psycopg.connect(url) as conn:
        assert not load_workbook_file(conn, out / "BLB_TABLES.xlsx").failed
        assert not [o for o in load_tracking_paths(conn, [out / "tracker"]) if o.failed]
    done = run_dbt(
        url, "build", "--select", "+path:models/ml", "+qa_game_quality", "+fact_stints", "+fact_goals",
        "--exclude", "resource_type:test",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:]
    report = train(url)
    with psycopg.connect(url) as conn:
        teams = [r[0] for r in conn.execute("select team_id from dim_team order by 1")]
        goalie = conn.execute("select min(player_id) from fact_goalie_game_stats").fetchone()[0]
        skaters = [r[0] for r in conn.execute(
            "select player_id from fact_player_game_stats order by 1 limit 2")]  # fmt: skip
        game = conn.execute("select min(game_id) from fact_player_game_stats").fetchone()[0]
    ids = {"team": teams[0], "team2": teams[1], "goalie": goalie, "skater": skaters[0],
           "skater2": skaters[1], "game": game}  # fmt: skip
    project = make_tiny_project(tmp_path_factory.mktemp("ml_project_one"))
    settings = api_settings(url, project, tmp_path_factory.mktemp("ml_one_state"))
    with api_server(settings) as base, client(base, create_key(url, "read")) as http:
        yield {"http": http, "ids": ids, "report": report}
    _drop(pg_admin_url, name)


def test_every_ml_endpoint_is_real_or_refused_on_a_one_game_league(one_game: dict) -> None:
    report = one_game["report"]
    assert not report.failed, report
    refused = {m.name: m for m in report.models
               if m.outcome == "insufficient_data" and m.name in MODELS}  # fmt: skip
    # One game is data: a model that refuses says how much it saw.
    assert all(m.counts for m in refused.values()), refused
    outcomes = scan(one_game["http"], one_game["ids"])
    assert set(outcomes.values()) <= {"answered", "refused", "error"}
    assert "refused" in outcomes.values()
