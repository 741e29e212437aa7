"""Player projections, next game, breakouts and the next goal scorer on the generated league
(tests/ml_league.py). Each answer is recomputed here from the marts (public.fact_player_game_stats,
dim_schedule) with the stored prior and ratings, with independent code (scipy's distributions,
not the model module's functions)."""

from __future__ import annotations

import math
from collections import defaultdict

import httpx
import numpy as np
import pytest
from api_checks import rows
from ml_league import active_coefficients
from scipy.stats import gamma as gamma_dist
from scipy.stats import nbinom, spearmanr

pytestmark = pytest.mark.slow
NAME = "player_projection"
STATS = ("goals", "assists", "points", "sog")


@pytest.fixture(scope="module")
def league(ml_league: dict) -> dict:
    return ml_league


@pytest.fixture(scope="module")
def http(ml_http: httpx.Client) -> httpx.Client:
    return ml_http


def card(url: str) -> dict:
    ((parameters, metrics),) = rows(
        url, "select parameters, metrics from ml.model_versions where model_name = %s and is_active",
        NAME,
    )  # fmt: skip
    return {"parameters": parameters, "metrics": metrics}


def season_games(url: str) -> list[tuple]:
    """Every tracked skater-game row of the mart (the model pools all seasons), in date order."""
    return rows(
        url,
        "select p.player_id, p.team_id, case when p.position = 'D' then 'D' else 'F' end,"
        " p.goals, p.a1 + p.a2, p.goals + p.a1 + p.a2, p.sog, p.toi_seconds, p.game_id,"
        " s.game_date, s.home_team_id, s.away_team_id, p.gf_on_ice, p.sf"
        " from public.fact_player_game_stats as p join public.dim_schedule as s using (game_id)"
        " where p.player_id is not null and p.position <> 'G'"
        " order by s.game_date, p.game_id",
    )


def totals(url: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for pid, team, pos, g, a, p, sog, toi, *_, gf, sf in season_games(url):
        t = out.setdefault(pid, defaultdict(float, positions=[]))
        t["positions"].append(pos)
        t["team"] = team
        t["games"] += 1
        for stat, v in zip(STATS, (g, a, p, sog), strict=True):
            t[stat] += v
            if toi is not None:
                t[f"{stat}_toi"] += v
        if toi is not None:
            t["gf"] += gf
            t["sf"] += sf
            t["hours"] += float(toi) / 3600
            t["games_toi"] += 1
    for t in out.values():
        t["position"] = max(sorted(set(t["positions"])), key=t["positions"].count)
    return out


EXPOSURE = {"game": ("", "games"), "60": ("_toi", "hours"), "share": ("_toi", "gf")}


def prior(coef: dict, v: dict, stat: str, basis: str) -> tuple[float, float]:
    """His prior (shape, rate) of `stat` on `basis`. SOG: his position's (alpha, beta). Goals,
    assists, points: the covariate prior, mean exp(log_scale + slope ln(shot index)) with the
    strength beta, the shot index being his posterior SOG rate on the basis over the position's
    prior mean."""
    key = f"{basis}:{v['position']}"
    if stat == "sog":
        return coef[f"prior:sog:{key}:alpha"], coef[f"prior:sog:{key}:beta"]
    beta = coef[f"cov:{stat}:{key}:beta"]
    mean = math.exp(coef[f"cov:{stat}:{key}:log_scale"] + coef[f"cov:{stat}:{key}:slope"]
                    * log_shot_index(coef, v, basis))  # fmt: skip
    return beta * mean, beta


def exposure(v: dict, stat: str, basis: str) -> float:
    """Games, TOI hours, or the on-ice team goals (for sog: team shots on goal) he shares."""
    return v["sf"] if (basis, stat) == ("share", "sog") else v[EXPOSURE[basis][1]]


def log_shot_index(coef: dict, v: dict, basis: str) -> float:
    key = f"{basis}:{v['position']}"
    sa, sb = coef[f"prior:sog:{key}:alpha"], coef[f"prior:sog:{key}:beta"]
    count = v[f"sog{EXPOSURE[basis][0]}"]
    return math.log((sa + count) / (sb + exposure(v, "sog", basis)) / (sa / sb))


def posterior(coef: dict, v: dict, stat: str, basis: str) -> float:
    a, b = prior(coef, v, stat, basis)
    return (a + v[f"{stat}{EXPOSURE[basis][0]}"]) / (b + exposure(v, stat, basis))


def test_the_model_is_trained_with_its_card(league: dict) -> None:
    outcome = {m.name: m for m in league["report"].models}[NAME]
    assert outcome.outcome == "trained", outcome
    c = card(league["url"])
    mae = c["metrics"]["points_per_game_mae"]
    print(
        "points/game MAE", mae, "spearman", c["metrics"]["spearman_points_per_60_vs_skill_rating"]
    )
    # On the 40-game league (about 20 tracked games in each half) the projection beats the
    # season-to-date average clearly and the league mean within noise; the bar (beating
    # both, Spearman >= 0.7) is measured on 600 games in benchmarks/bench_ml.py.
    assert mae["projection"] < mae["season_to_date_average"]
    assert mae["projection"] < mae["league_mean"] * 1.05
    ngs = c["metrics"]["next_goal_scorer"]
    assert ngs["goals"] > 20 and ngs["reliability"]
    assert sum(b["rows"] for b in ngs["reliability"]) == ngs["rows"]


def test_the_prior_maximises_the_gamma_poisson_likelihood(league: dict) -> None:
    url = league["url"]
    coef = active_coefficients(url, NAME)
    t = totals(url)
    for pos in ("F", "D"):
        for stat in ("points", "goals"):
            a, b = coef[f"prior:{stat}:game:{pos}:alpha"], coef[f"prior:{stat}:game:{pos}:beta"]
            x = np.array([v[stat] for v in t.values() if v["position"] == pos])
            n = np.array([v["games"] for v in t.values() if v["position"] == pos])

            def loglik(a, b, x=x, n=n):  # the negative binomial of a count over n games
                return nbinom.logpmf(x, a, b / (b + n)).sum()

            best = loglik(a, b)
            for da, db in ((1.05, 1.05), (0.95, 0.95), (1.05, 1), (0.95, 1), (1, 1.05), (1, 0.95)):
                if a * da <= 10_000:
                    assert loglik(a * da, b * db) <= best + 1e-6, (pos, stat, a, b, da, db)


def test_the_view_is_the_posterior_from_the_marts(league: dict) -> None:
    url = league["url"]
    coef = active_coefficients(url, NAME)
    t = totals(url)
    view = {
        r[0]: r[1:]
        for r in rows(
            url,
            "select player_id, games, points_per_game, goals_per_60, sog_per_game,"
            " position, games_remaining, points_share, points_share_index"
            " from ml.mv_player_projections",
        )
    }
    upcoming = defaultdict(int)
    season = card(url)["parameters"]["season_id"]
    for h, a in rows(url, "select home_team_id, away_team_id from public.dim_schedule"
                     " where schedule_type = 'Upcoming' and season_id = %s", season):  # fmt: skip
        upcoming[h] += 1
        upcoming[a] += 1
    assert {p for p, v in view.items() if v[0] > 0} == set(t)
    for pid, v in t.items():
        pos = v["position"]
        games, ppg, g60, sogpg, vpos, remaining, share, index = view[pid]
        assert (games, vpos, remaining) == (v["games"], pos, upcoming[v["team"]])
        assert ppg == pytest.approx(posterior(coef, v, "points", "game"), rel=1e-9)
        assert sogpg == pytest.approx(posterior(coef, v, "sog", "game"), rel=1e-9)
        assert g60 == pytest.approx(posterior(coef, v, "goals", "60"), rel=1e-6)
        assert share == pytest.approx(posterior(coef, v, "points", "share"), rel=1e-9)
        qa, qb = coef[f"prior:points:share:{pos}:alpha"], coef[f"prior:points:share:{pos}:beta"]
        assert index == pytest.approx(share / (qa / qb), rel=1e-9)
    # Shrinkage: every projected rate lies between the skater's own average and his prior mean.
    for pid, v in t.items():
        a, b = prior(coef, v, "points", "game")
        own, mean = v["points"] / v["games"], a / b
        assert min(own, mean) - 1e-12 <= view[pid][1] <= max(own, mean) + 1e-12


def test_the_covariate_prior_maximises_its_likelihood(league: dict) -> None:
    """The scoring priors' (log_scale, slope, beta) are a maximum of the negative binomial
    likelihood of the skaters' counts given their shot indexes."""
    coef = active_coefficients(league["url"], NAME)
    t = totals(league["url"])
    for pos in ("F", "D"):
        skaters = [v for v in t.values() if v["position"] == pos]
        x = np.array([v["points"] for v in skaters])
        n = np.array([v["games"] for v in skaters])
        z = np.array([log_shot_index(coef, v, "game") for v in skaters])
        key = f"cov:points:game:{pos}"
        base = coef[f"{key}:log_scale"], coef[f"{key}:slope"], coef[f"{key}:beta"]

        def loglik(log_scale, slope, beta, x=x, n=n, z=z):
            a = beta * np.exp(log_scale + slope * z)
            return nbinom.logpmf(x, a, beta / (beta + n)).sum()

        best = loglik(*base)
        for d in ((0.02, 0, 1), (-0.02, 0, 1), (0, 0.02, 1), (0, -0.02, 1), (0, 0, 1.05),
                  (0, 0, 0.95)):  # fmt: skip
            moved = (base[0] + d[0], base[1] + d[1], base[2] * d[2])
            if moved[2] * x.sum() / n.sum() <= 10_000:  # the bound: beta x mean rate <= 10,000
                assert loglik(*moved) <= best + 1e-6, (pos, base, d)


def test_projected_scoring_ranks_with_the_true_skill(league: dict) -> None:
    url, truth = league["url"], league["truth"]
    skill = truth["player_ratings"]
    got = rows(url, "select player_id, points_share_index from ml.mv_player_projections"
               " where games >= 3 and position <> 'G'")  # fmt: skip
    rho = spearmanr([r[1] for r in got], [skill[r[0]] for r in got]).statistic
    print(f"Spearman of the points share index with the true skill on 40 games: {rho:.3f}")
    # 40 tracked games are too few for the 0.7 bar (on 600 games: benchmarks/bench_ml.py);
    # this league's index ranks at 0.41, asserted with a margin.
    assert rho > 0.3


def test_player_stats_answers(league: dict, http: httpx.Client) -> None:
    url = league["url"]
    t = totals(url)
    level = card(url)["parameters"]["interval_level"]
    pid = max((p for p, v in t.items() if v["games"] >= 3), key=lambda p: (t[p]["points"], p))
    shape, rate, per_game, remaining = rows(
        url, "select points_shape, points_rate, points_per_game, games_remaining"
        " from ml.mv_player_projections where player_id = %s", pid,
    )[0]  # fmt: skip
    answer = http.post("/api/ml/predict/player-stats", json={"player_id": pid}).json()
    assert answer["status"] == "ok" and answer["model"]["name"] == NAME
    assert answer["games_played"] == t[pid]["games"] and answer["games_remaining"] == remaining
    points = answer["projections"]["points"]
    assert points["per_game"] == round(per_game, 4)
    lo, hi = (1 - level) / 2, (1 + level) / 2
    assert points["per_game_interval"] == [
        round(float(gamma_dist.ppf(q, shape, scale=1 / rate)), 4) for q in (lo, hi)
    ]
    assert answer["predicted_stats"]["points"] == round(per_game * remaining, 4)
    ten = http.post("/api/ml/predict/player-stats", json={"player_id": pid, "games_remaining": 10})
    ten = ten.json()
    assert ten["games_remaining_source"] == "request"
    assert ten["predicted_stats"]["points"] == round(per_game * 10, 4)
    want = [float(nbinom.ppf(q, shape, rate / (rate + 10))) for q in (lo, hi)]
    assert ten["projections"]["points"]["rest_of_season_interval"] == want
    assert want[0] <= per_game * 10 <= want[1]
    assert set(ten["predicted_stats"]) == {"goals", "assists", "points", "sog"}

    missing = http.post("/api/ml/predict/player-stats", json={"player_id": "P404404"})
    assert missing.status_code == 404 and "P404404" in missing.json()["detail"]
    few = [p for p, v in t.items() if v["games"] < 3]
    if few:
        refused = http.post("/api/ml/predict/player-stats", json={"player_id": few[0]}).json()
        assert refused["status"] == "insufficient_data"
        assert refused["counts"] == {"games": t[few[0]]["games"], "min_games": 3}
    (goalie,) = rows(url, "select player_id from ml.mv_player_projections where position = 'G'"
                     " order by player_id limit 1")[0]  # fmt: skip
    refused = http.post("/api/ml/predict/player-stats", json={"player_id": goalie}).json()
    assert refused["status"] == "insufficient_data" and "goalie" in refused["reason"]
    bad = http.post("/api/ml/predict/player-stats", json={"player_id": pid, "games_remaining": -1})
    assert bad.status_code == 422 and "games_remaining" in bad.text
    other = http.post("/api/ml/predict/player-stats", json={"player_id": pid, "season_id": "X"})
    assert other.status_code == 404


def test_next_game_is_adjusted_for_the_opponent(league: dict, http: httpx.Client) -> None:
    url = league["url"]
    t = totals(url)
    ratings = active_coefficients(url, "game_outcome")
    pid = max((p for p, v in t.items() if v["games"] >= 3), key=lambda p: (t[p]["games"], p))
    team = t[pid]["team"]
    season = card(url)["parameters"]["season_id"]
    game_id, home, away = rows(
        url, "select game_id, home_team_id, away_team_id from public.dim_schedule"
        " where schedule_type = 'Upcoming' and season_id = %s and %s in (home_team_id, away_team_id)"
        " order by game_date, game_id limit 1", season, team,
    )[0]  # fmt: skip
    is_home = home == team

    def context(was_home: bool, opponent: str) -> float:
        return ratings["home"] * was_home - ratings.get(f"defence:{opponent}", 0.0)

    played = [
        context(r[1] == r[10], r[11] if r[1] == r[10] else r[10])
        for r in season_games(url)
        if r[0] == pid
    ]
    factor = math.exp(context(is_home, away if is_home else home) - sum(played) / len(played))
    shape, rate = rows(url, "select points_shape, points_rate from ml.mv_player_projections"
                       " where player_id = %s", pid)[0]  # fmt: skip
    answer = http.post("/api/ml/predict/player-next-game", json={"player_id": pid}).json()
    assert answer["status"] == "ok" and answer["game_id"] == game_id
    assert answer["is_home"] == is_home and answer["opponent_factor"] == round(factor, 4)
    assert answer["predicted_stats"]["points"] == pytest.approx(shape / rate * factor, abs=1e-4)
    p0 = nbinom.pmf(0, shape, (rate / factor) / (rate / factor + 1))
    assert answer["p_at_least_one"]["points"] == pytest.approx(1 - p0, abs=1e-4)
    assert answer["ratings_model"]["name"] == "game_outcome"
    missing = http.post("/api/ml/predict/player-next-game", json={"player_id": "P404404"})
    assert missing.status_code == 404


def test_breakouts_are_recent_form_against_the_earlier_projection(
    league: dict, http: httpx.Client
) -> None:
    url = league["url"]
    coef = active_coefficients(url, NAME)
    t = totals(url)
    by_player = defaultdict(list)
    for r in season_games(url):
        by_player[r[0]].append((r[9], r[8], r[5]))
    want = {}
    for pid, games in by_player.items():
        if len(games) < 6:
            continue
        games.sort(reverse=True)
        recent, earlier = games[:4], games[4:]
        pos = t[pid]["position"]
        shape = coef[f"prior:points:game:{pos}:alpha"] + sum(g[2] for g in earlier)
        rate = coef[f"prior:points:game:{pos}:beta"] + len(earlier)
        mean, var = nbinom.stats(shape, rate / (rate + 4), moments="mv")
        want[pid] = (sum(g[2] for g in recent) - mean) / math.sqrt(var)
    assert want, "the league has skaters with 6 games"
    answer = http.get("/api/ml/detect/breakout-players", params={"limit": 500}).json()
    flagged = sorted(((-z, p) for p, z in want.items() if z >= 2))
    assert [a["player_id"] for a in answer] == [p for _, p in flagged]
    for a in answer:
        assert a["breakout_score"] == pytest.approx(want[a["player_id"]], abs=1e-4)
        assert a["recent_games"] == 4 and a["z_threshold"] == 2.0 and a["min_games"] == 6
        ppg = a["projected_points_per_game"]
        assert a["improvement_pct"] == pytest.approx(100 * (a["recent_points"] / 4 / ppg - 1),
                                                     abs=0.05)  # fmt: skip
    one = http.get("/api/ml/detect/breakout-players", params={"limit": 1}).json()
    assert len(one) == min(1, len(answer))
    assert http.get("/api/ml/detect/breakout-players", params={"season_id": "X"}).status_code == 404


def test_next_goal_scorer_probabilities(league: dict, http: httpx.Client) -> None:
    url = league["url"]
    coef = active_coefficients(url, NAME)
    t = totals(url)
    games = season_games(url)
    game_id = games[-1][8]  # the latest tracked game: its dressed skaters
    dressed = {r[0] for r in games if r[8] == game_id}
    lam = {}
    for pid in dressed:
        v = t[pid]
        rate = posterior(coef, v, "goals", "60")
        lam[pid] = rate * v["hours"] / v["games_toi"]
    total = sum(lam.values())
    answer = http.post("/api/ml/predict/next-goal-scorer", json={"game_id": game_id}).json()
    assert answer["status"] == "ok" and answer["horizon"] == "game"
    got = {p["player_id"]: p["probability"] for p in answer["players"]}
    assert set(got) == dressed
    for pid, x in lam.items():
        assert got[pid] == pytest.approx(x / total * (1 - math.exp(-total)), rel=1e-6)
    assert answer["no_goal_probability"] == pytest.approx(math.exp(-total), rel=1e-6)
    assert sum(got.values()) + answer["no_goal_probability"] == pytest.approx(1, abs=1e-12)

    # An upcoming game: the teams' skaters; with on-ice lists: one mean shift.
    (upcoming,) = rows(url, "select min(game_id) from ml.mv_player_next_goal"
                       " where not dressed")[0]  # fmt: skip
    ahead = http.post("/api/ml/predict/next-goal-scorer", json={"game_id": upcoming}).json()
    assert sum(p["probability"] for p in ahead["players"]) + ahead["no_goal_probability"] == (
        pytest.approx(1, abs=1e-12)
    )
    home = [p["player_id"] for p in ahead["players"] if p["side"] == "home"][:5]
    away = [p["player_id"] for p in ahead["players"] if p["side"] == "away"][:5]
    shift = http.post("/api/ml/predict/next-goal-scorer",
                      json={"game_id": upcoming, "home_on_ice": home, "away_on_ice": away}).json()  # fmt: skip
    assert shift["horizon"] == "shift" and len(shift["players"]) == 10
    seconds = card(url)["parameters"]["mean_shift_seconds"]
    assert shift["horizon_seconds"] == pytest.approx(seconds)
    x = {p["player_id"]: p["goals_per_60"] * seconds / 3600 for p in shift["players"]}
    assert shift["no_goal_probability"] == pytest.approx(math.exp(-sum(x.values())), rel=1e-3)
    assert sum(p["probability"] for p in shift["players"]) + shift["no_goal_probability"] == (
        pytest.approx(1, abs=1e-12)
    )
    unknown = http.post("/api/ml/predict/next-goal-scorer",
                        json={"game_id": upcoming, "home_on_ice": ["P404404"], "away_on_ice": away})  # fmt: skip
    assert unknown.status_code == 404 and "home_on_ice" in unknown.json()["detail"]
    half = http.post("/api/ml/predict/next-goal-scorer", json={"game_id": upcoming,
                                                               "home_on_ice": home})  # fmt: skip
    assert half.status_code == 400 and "away_on_ice" in half.text
    assert (
        http.post("/api/ml/predict/next-goal-scorer", json={"game_id": 999999}).status_code == 404
    )
