"""An empty league: every model refuses with the reason and the counts, and the API says so
instead of answering with a number."""

from __future__ import annotations

import pytest
from runs_harness import api_server, api_settings, client, create_key, make_tiny_project

from benchsight.ml.train import train


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
