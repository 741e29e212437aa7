"""The generated league's truth.json read in the warehouse's keys, for tests and benchmarks.

benchmarks/bench_ml.py imports it (as bench_warehouse.py imports fixture_league.py), so the
benchmark and tests/test_ml_league.py measure the model against the same oracle rows.
"""

from __future__ import annotations


def truth_shots(truth: dict) -> dict[int, dict]:
    """Unblocked attempts by event_id (game_id * 100000 + the tracker's event idx; a goal is
    keyed by its Goal event, as fact_shots counts each goal once)."""
    shots = {}
    for game_id, game in truth["games"].items():
        goal_event = {g["shot_event_idx"]: g["goal_event_idx"] for g in game["goals"]}
        for s in game["shots"]:
            if s["outcome"] != "blocked":
                idx = goal_event.get(s["event_idx"]) or s["event_idx"]
                shots[int(game_id) * 100000 + idx] = {**s, "game_id": int(game_id)}
    return shots
