"""Goalie projection, similar players, player value and the injury-risk refusal on the generated
league (tests/ml_league.py). Each answer is recomputed here from the marts or from the stored
model (prior, standardised profiles, replacement level) with independent code."""

from __future__ import annotations

import math

import httpx
import numpy as np
import pytest
from api_checks import rows
from ml_league import active_coefficients
from scipy.stats import beta as beta_dist
from scipy.stats import betabinom

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def league(ml_league: dict) -> dict:
    return ml_league


@pytest.fixture(scope="module")
def http(ml_http: httpx.Client) -> httpx.Client:
    return ml_http


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
    coef = active_coefficients(url, "goalie_projection")
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
    coef = active_coefficients(url, "goalie_projection")
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
    skater = rows(league["url"], "select player_id from public.fact_player_game_stats limit 1")[0][
        0
    ]
    for player in ("P999999", skater):
        answer = http.post("/api/ml/predict/goalie-stats", json={"player_id": player})
        assert answer.status_code == 404 and player in answer.json()["detail"]
    answer = http.post("/api/ml/predict/goalie-stats", json={"player_id": "P1", "games": 3})
    assert answer.status_code in (400, 422) and "games" in answer.text


# --- similar players ----------------------------------------------------------------------------


def stored_profiles(url: str) -> dict[str, tuple[str, dict[str, float]]]:
    """player -> (group, {feature: z}) from the active model's coefficients."""
    out: dict[str, tuple[str, dict[str, float]]] = {}
    for term, value in active_coefficients(url, "similar_players").items():
        if term.startswith("z|"):
            _, group, player, feature = term.split("|")
            out.setdefault(player, (group, {}))[1][feature] = value
    return out


def numpy_nearest(profiles: dict) -> dict[str, tuple[str, float]]:
    nearest = {}
    for group in {g for g, _ in profiles.values()}:
        ids = sorted(p for p, (g, _) in profiles.items() if g == group)
        features = sorted({f for p in ids for f in profiles[p][1]})
        x = np.array([[profiles[p][1].get(f, 0.0) for f in features] for p in ids])
        d = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=2)
        np.fill_diagonal(d, np.inf)
        for i, p in enumerate(ids):
            j = int(np.argmin(d[i]))
            nearest[p] = (ids[j], float(d[i, j]))
    return nearest


def test_the_stored_profiles_are_the_marts_rates_standardised(league: dict) -> None:
    url = league["url"]
    profiles = stored_profiles(url)
    assert profiles, "no profiled skater"
    # goals per 60 (games with shifts) and points per game, recomputed from the mart
    raw = {
        p: (pos, float(g60) if g60 is not None else None, float(ppg))
        for p, pos, g60, ppg in rows(
            url,
            """select player_id, mode() within group (order by position),
                sum(goals) filter (where toi_seconds is not null) * 3600.0
                    / nullif(sum(toi_seconds), 0),
                avg(points)
            from public.fact_player_game_stats group by player_id""",
        )
    }
    for group in ("F", "D"):
        ids = [p for p, (g, _) in profiles.items() if g == group]
        assert all(raw[p][0] == group for p in ids)
        for k, feature in ((1, "goals_per60"), (2, "points_per_game")):
            x = np.array([raw[p][k] for p in ids])
            z = (x - x.mean()) / x.std()
            stored = np.array([profiles[p][1][feature] for p in ids])
            assert stored == pytest.approx(z, abs=1e-9)


def test_the_nearest_neighbour_is_the_numpy_one_and_shares_the_skill_band(league: dict) -> None:
    url = league["url"]
    nearest = numpy_nearest(stored_profiles(url))
    view = {
        p: (q, d)
        for p, q, d in rows(
            url,
            "select player_id, similar_player_id, distance"
            " from ml.mv_similar_players where rank = 1",
        )
    }
    assert set(view) == set(nearest)
    for p, (q, d) in nearest.items():
        assert view[p][0] == q and view[p][1] == pytest.approx(d, abs=1e-9)
    # The card's rate, against the generator's true skill (truth.json player_ratings).
    ratings = league["truth"]["player_ratings"]
    band = lambda r: "low" if r <= 3 else "mid" if r < 5 else "high"  # noqa: E731
    same = np.mean([band(ratings[p]) == band(ratings[q]) for p, (q, _) in nearest.items()])
    groups = {p: g for p, (g, _) in stored_profiles(url).items()}
    chance = np.mean([
        np.mean([band(ratings[o]) == band(ratings[p]) for o in groups if o != p
                 and groups[o] == groups[p]])
        for p in groups
    ])  # fmt: skip
    metrics = rows(url, "select metrics from ml.model_versions"
                        " where model_name = 'similar_players' and is_active")[0][0]  # fmt: skip
    assert metrics["nn_same_position_and_band_rate"] == pytest.approx(same, abs=1e-9)
    assert metrics["chance_same_band_within_position_rate"] == pytest.approx(chance, abs=1e-9)
    assert same > chance


def test_similar_players_answers(league: dict, http: httpx.Client) -> None:
    url = league["url"]
    profiles = stored_profiles(url)
    nearest = numpy_nearest(profiles)
    player = sorted(profiles)[0]
    body = http.post("/api/ml/find/similar-players", json={"player_id": player, "limit": 3}).json()
    assert body["status"] == "ok" and body["model"]["name"] == "similar_players"
    assert body["position_group"] == profiles[player][0]
    found = body["similar_players"]
    assert len(found) == 3 and found[0]["player_id"] == nearest[player][0]
    assert found[0]["distance"] == pytest.approx(nearest[player][1], abs=1e-4)
    scores = [f["similarity_score"] for f in found]
    assert scores == sorted(scores, reverse=True)
    k = len(profiles[player][1])
    for f in found:
        assert profiles[f["player_id"]][0] == profiles[player][0]
        assert f["similarity_score"] == pytest.approx(1 / (1 + f["distance"] / math.sqrt(k)),
                                                      abs=1e-4)  # fmt: skip
        gaps = {feat: profiles[f["player_id"]][1][feat] - profiles[player][1][feat]
                for feat in profiles[player][1]}  # fmt: skip
        assert f["feature_gaps"] == pytest.approx(gaps, abs=1e-3)
        assert set(f["similar_attributes"]) == {g for g, v in gaps.items() if abs(v) < 0.5}
    goalie = rows(url, "select player_id from public.fact_goalie_game_stats limit 1")[0][0]
    answer = http.post("/api/ml/find/similar-players", json={"player_id": goalie})
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "player_id"
    answer = http.post("/api/ml/find/similar-players", json={"player_id": "P999999"})
    assert answer.status_code == 404 and "P999999" in answer.json()["detail"]
    answer = http.post("/api/ml/find/similar-players", json={"player_id": player, "limit": 50})
    assert answer.status_code in (400, 422) and "limit" in answer.text
    params = rows(url, "select parameters -> 'players' from ml.model_versions"
                       " where model_name = 'similar_players' and is_active")[0][0]  # fmt: skip
    thin = [p for p, v in params.items() if not v["profiled"]]
    if thin:
        body = http.post("/api/ml/find/similar-players", json={"player_id": thin[0]}).json()
        assert body["status"] == "insufficient_data"
        assert body["counts"]["games"] == params[thin[0]]["games"]


# --- player value -------------------------------------------------------------------------------


def game_scores(url: str) -> dict[str, tuple[str, list[float]]]:
    """player -> (group, game scores), the skaters' computed here from the mart's counts and the
    seed's weights, the goalies' from -0.75 GA + 0.1 saves."""
    import csv

    from benchsight.config import REPO_ROOT

    with open(REPO_ROOT / "seeds" / "game_score_weights.csv") as f:
        weights = {(r["player_kind"], r["stat"]): float(r["weight"]) for r in csv.DictReader(f)}
    stats = [s for kind, s in weights if kind == "skater"]
    out: dict[str, tuple[str, list[float]]] = {}
    positions = dict(rows(url, "select player_id, mode() within group (order by position)"
                               " from public.fact_player_game_stats group by player_id"))  # fmt: skip
    for r in rows(url, f"select player_id, {', '.join(stats)} from public.fact_player_game_stats"):
        score = sum(weights["skater", s] * float(v or 0) for s, v in zip(stats, r[1:], strict=True))
        out.setdefault(r[0], (positions[r[0]], []))[1].append(score)
    for p, ga, sv in rows(url, "select player_id, goals_against, saves"
                               " from public.fact_goalie_game_stats"):  # fmt: skip
        score = weights["goalie", "goals_against"] * ga + weights["goalie", "saves"] * sv
        out.setdefault(p, ("G", []))[1].append(score)
    return out


def test_player_value_is_game_score_above_the_replacement_percentile(
    league: dict, http: httpx.Client
) -> None:
    url = league["url"]
    scores = game_scores(url)
    coef = active_coefficients(url, "player_value")
    for group in ("F", "D", "G"):
        members = {p: np.array(s) for p, (g, s) in scores.items() if g == group}
        games = np.array([len(s) for s in members.values()])
        threshold = max(2, 0.5 * np.median(games))
        means = np.array([s.mean() for s in members.values()])
        replacement = np.percentile(means[games >= threshold], 20)
        # the mart rounds game_score to 3 decimals
        assert coef[f"replacement|{group}"] == pytest.approx(replacement, abs=1e-3)
        dev = np.concatenate([s - s.mean() for s in members.values()])
        pooled = math.sqrt((dev**2).sum() / (len(dev) - len(members)))
        assert coef[f"pooled_sd|{group}"] == pytest.approx(pooled, abs=1e-3)
    best_two = sorted(scores, key=lambda p: -len(scores[p][1]))[:3]
    body = http.get(f"/api/ml/compare/player-value?player_ids={','.join(best_two)}").json()
    assert body["status"] == "ok" and [p["player_id"] for p in body["players"]] == best_two
    for p in body["players"]:
        group, s = scores[p["player_id"]]
        assert p["position_group"] == group and p["games"] == len(s)
        value = np.mean(s) - coef[f"replacement|{group}"]
        se = coef[f"pooled_sd|{group}"] / math.sqrt(len(s))
        assert p["value_per_game"] == pytest.approx(value, abs=2e-3)
        assert p["standard_error"] == pytest.approx(se, abs=1e-4)
        lo, hi = p["value_interval"]
        assert lo == pytest.approx(value - 1.6449 * se, abs=3e-3) and hi > value
    best = max(body["players"], key=lambda p: p["value_per_game"])
    assert body["best_player_id"] == best["player_id"]
    assert len(body["differences"]) == 2
    for d in body["differences"]:
        assert 0.5 <= d["probability_best_is_better"] <= 1
    # Fewer than two players: 400 naming player_ids; an unknown one: 404 naming it.
    for query in (f"player_ids={best_two[0]}", "", f"player_ids={best_two[0]},{best_two[0]}"):
        answer = http.get(f"/api/ml/compare/player-value?{query}")
        assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "player_ids"
    answer = http.get(f"/api/ml/compare/player-value?player_ids={best_two[0]},P999999")
    assert answer.status_code == 404 and "P999999" in answer.json()["detail"]


# --- injury risk ---------------------------------------------------------------------------------


def test_injury_risk_is_refused_without_a_number(http: httpx.Client) -> None:
    for query in ("", "?player_id=P100001", "?season_id=N20252026F"):
        answer = http.get(f"/api/ml/assess/injury-risk{query}")
        assert answer.status_code == 200
        body = answer.json()
        assert body["status"] == "insufficient_data" and "no injury records" in body["reason"]
        assert "injury_risk_score" not in answer.text
        assert not [v for v in body.values() if isinstance(v, float) and not math.isnan(v)]


# --- the generic path ----------------------------------------------------------------------------


def test_the_generic_predict_path_dispatches_by_name(league: dict, http: httpx.Client) -> None:
    from api.ml.dispatch import available

    known = set(available())  # every name whose endpoint module is installed
    assert {"game_outcome", "goalie_projection", "similar_players", "player_value"} <= known

    url = league["url"]
    goalie = rows(url, "select min(player_id) from public.fact_goalie_game_stats")[0][0]
    s1, s2 = [r[0] for r in rows(url, "select player_id from ml.mv_similar_players"
                                      " group by player_id order by 1 limit 2")]  # fmt: skip
    t1, t2 = [r[0] for r in rows(url, "select team_id from ml.mv_team_ratings order by 1 limit 2")]
    pairs = [
        ({"model": "goalie_projection", "player_id": goalie},
         ("post", "/api/ml/predict/goalie-stats", {"player_id": goalie})),
        ({"model": "goalie-stats", "player_id": goalie, "games_remaining": 2},
         ("post", "/api/ml/predict/goalie-stats", {"player_id": goalie, "games_remaining": 2})),
        ({"model": "similar_players", "player_id": s1, "limit": 3},
         ("post", "/api/ml/find/similar-players", {"player_id": s1, "limit": 3})),
        ({"model": "player_value", "player_ids": [s1, s2]},
         ("get", f"/api/ml/compare/player-value?player_ids={s1},{s2}", None)),
        ({"model": "player_value", "player_ids": f"{s1},{s2}"},
         ("get", f"/api/ml/compare/player-value?player_ids={s1},{s2}", None)),
        ({"model": "injury_risk"}, ("get", "/api/ml/assess/injury-risk", None)),
        ({"model": "game_outcome", "home_team": t1, "away_team": t2},
         ("post", "/api/ml/predict/game-outcome", {"home_team": t1, "away_team": t2})),
        ({"model": "playoff_probability", "team_id": t1},
         ("get", f"/api/ml/predict/playoff-probability?team_id={t1}", None)),
    ]  # fmt: skip
    for generic, (method, path, body) in pairs:
        direct = http.request(method, path, json=body) if body else http.get(path)
        answer = http.post("/api/ml/predict", json=generic)
        assert (answer.status_code, answer.json()) == (direct.status_code, direct.json()), generic
    # The endpoint's own errors come through: one player to compare, an unknown goalie.
    answer = http.post("/api/ml/predict", json={"model": "player_value", "player_ids": [s1]})
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "player_ids"
    answer = http.post("/api/ml/predict", json={"model": "goalie_projection", "player_id": "P9"})
    assert answer.status_code == 404 and "P9" in answer.json()["detail"]
    answer = http.post("/api/ml/predict", json={"model": "goalie_projection", "player": goalie})
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "player"
    # An unknown or missing name: 400 naming the known ones.
    for body in ({"model": "crystal_ball"}, {}, {"model": ["goalie_projection"]}):
        answer = http.post("/api/ml/predict", json=body)
        assert answer.status_code == 400, body
        error = answer.json()
        assert error["errors"][0]["field"] == "model"
        assert set(error["errors"][0]["values"]) == known
        assert all(name in error["detail"] for name in known)
