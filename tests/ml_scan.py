"""The scan of every ML endpoint's answer (tests/test_ml_empty.py): on an empty or a one-game
league an answer is a real prediction (with its `model` block) or an honest refusal
(`insufficient_data` with a reason and counts, or a 4xx naming what is wrong); no constant,
default or placeholder value reaches it."""

from __future__ import annotations

from typing import Any

import httpx

# The seed reference's example values (seeds/api-reference-v2.00.md, ML endpoints): an answer
# carrying one of them under the seed's key is a placeholder, not a prediction.
SEED_PLACEHOLDERS = {
    "confidence": {0.85, 0.72},
    "similarity_score": {0.92},
    "line_chemistry_score": {0.88},
    "breakout_score": {0.92},
    "improvement_pct": {45.2},
    "injury_risk_score": {0.25},
    "goals_per_game": {2.5},
    "corsi_pct": {55.2},
}
# Keys the seed used for constants that this API replaced by intervals / stated probabilities.
FORBIDDEN_KEYS = {"confidence", "injury_risk_score", "risk_factors"}


def calls(ids: dict[str, Any]) -> list[tuple[str, str, dict | None]]:
    """Every ML endpoint with a request built from `ids` (team, team2, goalie, skater, skater2,
    game), and the generic path for each model name."""
    t1, t2, goalie = ids["team"], ids["team2"], ids["goalie"]
    s1, s2, game = ids["skater"], ids["skater2"], ids["game"]
    state = {"home_score": 1, "away_score": 0, "period": 2, "seconds_remaining": 300}
    endpoint = [
        ("get", "/api/ml/models", None),
        ("get", "/api/ml/health", None),
        ("post", "/api/ml/predict/game-outcome", {"home_team": t1, "away_team": t2}),
        ("post", "/api/ml/predict/game-outcome", {"game_id": game}),
        ("get", "/api/ml/predict/playoff-probability", None),
        ("post", "/api/ml/predict/real-time-win-probability",
         {"home_team": t1, "away_team": t2, **state}),
        ("post", "/api/ml/predict/goalie-stats", {"player_id": goalie}),
        ("post", "/api/ml/find/similar-players", {"player_id": s1}),
        ("get", f"/api/ml/compare/player-value?player_ids={s1},{s2}", None),
        ("get", "/api/ml/assess/injury-risk", None),
        ("post", "/api/ml/predict/player-stats", {"player_id": s1}),
        ("post", "/api/ml/predict/player-next-game", {"player_id": s1}),
        ("get", "/api/ml/detect/breakout-players", None),
        ("post", "/api/ml/predict/next-goal-scorer", {"game_id": game}),
        ("post", "/api/ml/predict/line-chemistry", {"player_ids": [s1, s2]}),
        ("post", "/api/ml/optimize/lineup", {"team_id": t1}),
    ]  # fmt: skip
    generic = [
        ("post", "/api/ml/predict", {"model": "game_outcome", "home_team": t1, "away_team": t2}),
        ("post", "/api/ml/predict", {"model": "playoff_probability"}),
        ("post", "/api/ml/predict", {"model": "win_probability", "home_team": t1,
                                     "away_team": t2, **state}),
        ("post", "/api/ml/predict", {"model": "goalie_projection", "player_id": goalie}),
        ("post", "/api/ml/predict", {"model": "similar_players", "player_id": s1}),
        ("post", "/api/ml/predict", {"model": "player_value", "player_ids": [s1, s2]}),
        ("post", "/api/ml/predict", {"model": "injury_risk"}),
        ("post", "/api/ml/predict", {"model": "player_stats", "player_id": s1}),
        ("post", "/api/ml/predict", {"model": "player_next_game", "player_id": s1}),
        ("post", "/api/ml/predict", {"model": "breakout_players"}),
        ("post", "/api/ml/predict", {"model": "next_goal_scorer", "game_id": game}),
        ("post", "/api/ml/predict", {"model": "line_chemistry", "player_ids": [s1, s2]}),
        ("post", "/api/ml/predict", {"model": "lineup", "team_id": t1}),
    ]  # fmt: skip
    return endpoint + generic


def _walk(value: Any, key: str | None, path: str, found: list[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if k in FORBIDDEN_KEYS:
                found.append(f"{path}.{k}: the seed's constant field")
            _walk(v, k, f"{path}.{k}", found)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, key, f"{path}[{i}]", found)
    elif isinstance(value, float) and key in SEED_PLACEHOLDERS and value in SEED_PLACEHOLDERS[key]:
        found.append(f"{path} = {value}: the seed's placeholder")


def _numbers_outside_counts(value: Any, key: str | None = None) -> list:
    """Floats of an answer outside its `counts` (a refusal carries none)."""
    if key == "counts":
        return []
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in _numbers_outside_counts(v, k)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers_outside_counts(v, key)]
    return [value] if isinstance(value, float) else []


def check(method: str, path: str, body: dict | None, answer: httpx.Response) -> str:
    """'refused', 'error' or 'answered'; raises AssertionError naming the request otherwise."""
    what = f"{method.upper()} {path} {body}: {answer.status_code} {answer.text[:400]}"
    assert answer.status_code < 500, what
    data = answer.json()
    if answer.status_code >= 400:
        assert data["detail"] and data["code"], what
        return "error"
    if isinstance(data, dict) and data.get("status") == "insufficient_data":
        assert isinstance(data["reason"], str) and data["reason"].strip(), what
        assert isinstance(data["counts"], dict), what
        assert not _numbers_outside_counts(data), what
        return "refused"
    found: list[str] = []
    _walk(data, None, "$", found)
    assert not found, f"{what}: {found}"
    for item in data if isinstance(data, list) else [data]:
        if "model" in item:  # a prediction names the version that made it
            assert item["model"]["version"] >= 1 and item["model"]["training_rows"] > 0, what
        else:
            assert path in ("/api/ml/models", "/api/ml/health"), what
    return "answered"


def scan(http: httpx.Client, ids: dict[str, Any]) -> dict[str, str]:
    outcomes = {}
    for method, path, body in calls(ids):
        answer = http.request(method, path, json=body) if body is not None else http.get(path)
        outcomes[f"{method.upper()} {path} {body}"] = check(method, path, body, answer)
    return outcomes
