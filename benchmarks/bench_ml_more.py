"""bench_ml.py's part for the goalie, similar-players and player-value models: their quality
figures on the generated season (against the generator's truth) and their endpoints' requests."""

from __future__ import annotations

import psycopg

BANDS = "2-3 low, 4 mid, 5-6 high"


def _band(rating: float) -> str:
    return "low" if rating <= 3 else "mid" if rating < 5 else "high"


def more_quality(url: str, truth: dict, cards: dict) -> None:
    goalie = cards.get("goalie_projection")
    if goalie and "holdout" in goalie:
        h = goalie["holdout"]
        print(f"goalie save %, held-out ({h['goalies']} goalies, {h['shots']} shots): log-loss per "
              f"shot shrunk {h['log_loss_shrunk']:.5f}, raw {h['log_loss_raw']:.5f}, league "
              f"{h['log_loss_league']:.5f}; prior {goalie['kappa_shots']:.0f} shots "
              f"(at bound: {goalie['kappa_at_bound']})")  # fmt: skip
    similar = cards.get("similar_players")
    if similar:
        print(f"similar players ({similar['profiled_skaters']} skaters): nearest neighbour shares "
              f"position and skill band ({BANDS}, workbook rating) "
              f"{similar.get('nn_same_position_and_band_rate', float('nan')):.3f}; chance "
              f"(random skater) {similar.get('chance_same_position_and_band_rate', float('nan')):.3f},"
              f" chance within position "
              f"{similar.get('chance_same_band_within_position_rate', float('nan')):.3f}")  # fmt: skip
        skill = truth.get("player_ratings", {})
        with psycopg.connect(url) as conn:
            pairs = conn.execute("select player_id, similar_player_id from ml.mv_similar_players"
                                 " where rank = 1").fetchall()  # fmt: skip
        pairs = [(p, q) for p, q in pairs if p in skill and q in skill]
        if pairs:
            same = sum(_band(skill[p]) == _band(skill[q]) for p, q in pairs) / len(pairs)
            print(f"similar players vs truth.json player_ratings: nearest neighbour in the same "
                  f"band {same:.3f} over {len(pairs)} skaters")  # fmt: skip
    value = cards.get("player_value")
    if value:
        for group, g in value["groups"].items():
            print(f"player value {group}: replacement {g['replacement']:.3f} game score/game "
                  f"({g['regulars']} regulars of {g['players']}), pooled sd {g['pooled_sd']:.3f},"
                  f" mean game score vs skill rating Spearman "
                  f"{g['spearman_mean_game_score_vs_skill_rating']}")  # fmt: skip


def more_calls(url: str) -> dict:
    """Requests of the goalie, similarity, value and injury endpoints."""
    with psycopg.connect(url) as conn:
        goalie = conn.execute("select player_id from ml.mv_goalie_projection"
                              " order by shots_against desc limit 1").fetchone()  # fmt: skip
        skater = conn.execute("select player_id from ml.mv_similar_players"
                              " order by player_id limit 1").fetchone()  # fmt: skip
        valued = conn.execute("select player_id from ml.mv_player_value"
                              " order by games desc, player_id limit 3").fetchall()  # fmt: skip
    calls = {"GET injury-risk": ("get", "/api/ml/assess/injury-risk", None)}
    if goalie:
        calls["POST goalie-stats"] = ("post", "/api/ml/predict/goalie-stats",
                                      {"player_id": goalie[0]})  # fmt: skip
    if skater:
        calls["POST similar-players"] = ("post", "/api/ml/find/similar-players",
                                         {"player_id": skater[0], "limit": 5})  # fmt: skip
    if len(valued) >= 2:
        ids = ",".join(r[0] for r in valued)
        calls["GET player-value"] = ("get", f"/api/ml/compare/player-value?player_ids={ids}", None)
    return calls
