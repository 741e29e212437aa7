"""Goalie projection, similar players, player value and the injury-risk refusal on the generated
league (tests/ml_league.py). Each answer is recomputed here from the marts or from the stored
model (prior, standardised profiles, replacement level) with independent code."""

from __future__ import annotations

import math
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
from api_checks import rows
from runs_harness import api_server, api_settings, client, create_key, make_tiny_project
from scipy.stats import beta as beta_dist
from scipy.stats import betabinom

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def league(ml_league: dict) -> dict:
    return ml_league


@pytest.fixture(scope="module")
def http(league: dict, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    url = league["url"]
    project = make_tiny_project(tmp_path_factory.mktemp("ml_project"))
    settings = api_settings(url, project, tmp_path_factory.mktemp("ml_state"))
    with api_server(settings) as base, client(base, create_key(url, "read")) as c:
        yield c


def coefficients(url: str, model: str) -> dict[str, float]:
    return dict(rows(url, "select term, value from ml.active_coefficients where model_name = %s",
                     model))  # fmt: skip


# --- goalies ------------------------------------------------------------------------------------


def goalie_totals(url: str) -> dict[str, tuple[int, int, int]]:
    """player -> (games, shots on goal, saves) summed from the mart."""
    return {
        p: (int(g), int(n), int(s))
        for p, g, n, s in rows(
            url,
            "select player_id, count(*), sum(shots_against), sum(saves)"
            " from public.fact_goalie_game_stats group by player_id",
        )
    }


def test_the_goalie_prior_maximises_the_beta_binomial_likelihood(league: dict) -> None:
    url = league["url"]
    coef = coefficients(url, "goalie_projection")
    a, b = coef["alpha"], coef["beta"]
    totals = [t for t in goalie_totals(url).values() if t[1] > 0]
    n = np.array([t[1] for t in totals])
    s = np.array([t[2] for t in totals])
    assert a / (a + b) == pytest.approx(s.sum() / n.sum(), rel=1e-9)

    def loglik(kappa: float) -> float:
        mu = a / (a + b)
        return float(betabinom.logpmf(s, n, mu * kappa, (1 - mu) * kappa).sum())

    kappa = a + b
    assert loglik(kappa) >= loglik(kappa * 0.8) and loglik(kappa) >= loglik(kappa * 1.25)


def test_goalie_stats_are_his_save_pct_shrunk_by_shots(league: dict, http: httpx.Client) -> None:
    url = league["url"]
    coef = coefficients(url, "goalie_projection")
    a, b = coef["alpha"], coef["beta"]
    totals = goalie_totals(url)
    gsax = dict(rows(url, "select player_id, sum(gsax)::float8 from ml.mv_goalie_game_xg"
                          " group by player_id"))  # fmt: skip
    for player, (games, shots, saves) in totals.items():
        expected = (a + saves) / (a + b + shots)
        body = http.post("/api/ml/predict/goalie-stats", json={"player_id": player}).json()
        assert body["status"] == "ok" and body["model"]["name"] == "goalie_projection"
        assert (body["games"], body["shots_against"], body["saves"]) == (games, shots, saves)
        pred = body["predicted_stats"]
        assert pred["save_pct"] == pytest.approx(expected, abs=6e-5)
        lo, hi = beta_dist.ppf([0.05, 0.95], a + saves, b + shots - saves)
        assert pred["save_pct_interval"] == pytest.approx([lo, hi], abs=6e-5)
        # Shrunk: strictly between his own save % and the league's.
        own, league_pct = saves / shots, a / (a + b)
        assert min(own, league_pct) <= pred["save_pct"] <= max(own, league_pct)
        w = shots / (shots + a + b)
        assert body["shrink_weight"] == pytest.approx(w, abs=6e-5)
        assert pred["gsax_per_game"] == pytest.approx(w * gsax[player] / games, abs=6e-5)
        lo, hi = pred["gsax_per_game_interval"]
        assert lo < pred["gsax_per_game"] < hi
        remaining = pred["games_remaining"]
        assert pred["gsax_rest_of_season"] == pytest.approx(
            remaining * w * gsax[player] / games, abs=1e-3
        )
    player = next(iter(totals))
    three = http.post("/api/ml/predict/goalie-stats", json={"player_id": player,
                      "games_remaining": 3}).json()["predicted_stats"]  # fmt: skip
    assert three["games_remaining"] == 3
    assert three["gsax_rest_of_season"] == pytest.approx(3 * three["gsax_per_game"], abs=1e-3)
    # A goalie who faced more shots keeps more of his own save %.
    by_shots = sorted(totals.items(), key=lambda kv: kv[1][1])
    w_of = lambda p: http.post(  # noqa: E731
        "/api/ml/predict/goalie-stats", json={"player_id": p}
    ).json()["shrink_weight"]
    assert w_of(by_shots[0][0]) <= w_of(by_shots[-1][0])


def test_goalie_stats_refuse_unknown_goalies_and_skaters(league: dict, http: httpx.Client) -> None:
    skater = rows(league["url"], "select player_id from public.fact_player_game_stats limit 1")[0][0]
    for player in ("P999999", skater):
        answer = http.post("/api/ml/predict/goalie-stats", json={"player_id": player})
        assert answer.status_code == 404 and player in answer.json()["detail"]
    answer = http.post("/api/ml/predict/goalie-stats", json={"player_id": "P1", "games": 3})
    assert answer.status_code in (400, 422) and "games" in answer.text


# --- injury risk ---------------------------------------------------------------------------------


def test_injury_risk_is_refused_without_a_number(http: httpx.Client) -> None:
    for query in ("", "?player_id=P100001", "?season_id=N20252026F"):
        answer = http.get(f"/api/ml/assess/injury-risk{query}")
        assert answer.status_code == 200
        body = answer.json()
        assert body["status"] == "insufficient_data" and "no injury records" in body["reason"]
        assert "injury_risk_score" not in answer.text
        assert not [v for v in body.values() if isinstance(v, float) and not math.isnan(v)]
