"""Player impacts, line chemistry and the lineup optimiser on the generated league.

The impacts (model `player_impact`, benchsight/ml/line_impact.py) are checked through their card
(held-out error against the no-player baseline, the ranking against the generator's true skill)
and the views against an independent recomputation in pandas from the warehouse's shift facts and
ml.mv_shot_xg with the stored coefficients; the optimiser against a brute force written here.
"""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest
from api_checks import rows
from runs_harness import api_server, api_settings, client, create_key, make_tiny_project

pytestmark = pytest.mark.slow


def frame(url: str, query: str, *params) -> pd.DataFrame:
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(query, params or None)
        return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])


def card(url: str) -> dict:
    (row,) = rows(
        url,
        "select version, training_rows, metrics, parameters from ml.model_versions "
        "where model_name = 'player_impact' and is_active",
    )
    return {"version": row[0], "training_rows": row[1], "metrics": row[2], "parameters": row[3]}


ROUND = 1e-6


def truth_skill(league: dict) -> dict[str, float]:
    """The generator's true skill per player (truth.json player_ratings once it is there, else
    dim_player.current_skill_rating, which the generator writes from the same value)."""
    ratings = league["truth"].get("player_ratings")
    if ratings:
        return {p: float(r) for p, r in ratings.items()}
    return {
        p: float(r)
        for p, r in rows(league["url"], "select player_id, current_skill_rating from dim_player")
    }


def shift_sides(url: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """Recomputed from the warehouse: the even-strength shift rows (both goalies in, as many
    skaters each side), who was on per side, and each side's xG / goals / attempts; plus the
    active impacts' coefficients."""
    shifts = frame(
        url,
        "select shift_id, game_id, duration_s::float8 as seconds from fact_shifts where is_usable"
        " and duration_s > 0 and home_skaters = away_skaters and home_goalie_on and away_goalie_on",
    )
    on = frame(
        url,
        "select distinct shift_id, venue, player_id from fact_shift_players"
        " where not is_goalie and player_id is not null",
    )
    on = on[on["shift_id"].isin(shifts["shift_id"])]
    shots = frame(
        url,
        "select e.shift_id, x.venue, x.xg::float8 as xg, x.is_goal from ml.mv_shot_xg as x"
        " join fact_events as e on e.event_id = x.event_id",
    )
    coef = dict(
        rows(
            url, "select term, value from ml.active_coefficients where model_name = 'player_impact'"
        )
    )
    return shifts, on, shots, coef


def recompute_unit(url: str, players: list[str]) -> dict:
    shifts, on, shots, coef = shift_sides(url)
    for target in ("xg", "goals"):
        on[f"{target}_off"] = [coef.get(f"{target}:off:{p}", 0.0) for p in on["player_id"]]
        on[f"{target}_def"] = [coef.get(f"{target}:def:{p}", 0.0) for p in on["player_id"]]
    sums = on.groupby(["shift_id", "venue"])[["xg_off", "xg_def", "goals_off", "goals_def"]].sum()
    sides = on[on["player_id"].isin(players)].groupby(["shift_id", "venue"])["player_id"].nunique()
    together = sides[sides == len(players)].reset_index()[["shift_id", "venue"]]
    out = {"toi": 0.0, "xgf": 0.0, "xga": 0.0, "gf": 0, "ga": 0, "attempts": 0}
    for target in ("xg", "goals"):
        out[f"exp_{target}f"] = out[f"exp_{target}a"] = 0.0
    seconds = shifts.set_index("shift_id")["seconds"]
    for shift_id, venue in together.itertuples(index=False):
        other = "away" if venue == "home" else "home"
        s = seconds[shift_id]
        out["toi"] += s
        mine = shots[shots["shift_id"] == shift_id]
        out["xgf"] += mine.loc[mine["venue"] == venue, "xg"].sum()
        out["xga"] += mine.loc[mine["venue"] == other, "xg"].sum()
        out["gf"] += int(mine.loc[mine["venue"] == venue, "is_goal"].sum())
        out["ga"] += int(mine.loc[mine["venue"] == other, "is_goal"].sum())
        out["attempts"] += len(mine)
        own, opp = sums.loc[(shift_id, venue)], sums.loc[(shift_id, other)]
        for target in ("xg", "goals"):
            base = coef[f"{target}:intercept"]
            home = coef[f"{target}:home"]
            f = base + home * (venue == "home") + own[f"{target}_off"] + opp[f"{target}_def"]
            a = base + home * (other == "home") + opp[f"{target}_off"] + own[f"{target}_def"]
            out[f"exp_{target}f"] += max(f, 0.0) * s / 3600
            out[f"exp_{target}a"] += max(a, 0.0) * s / 3600
    return out


def test_the_impacts_are_trained_with_a_held_out_penalty(ml_league: dict) -> None:
    url = ml_league["url"]
    c = card(url)
    m = c["metrics"]
    assert m["holdout_games"] == 8
    for target in ("xg", "goals"):
        assert m[target]["alpha"] in c["parameters"]["alphas"]
        grid = m[target]["alpha_grid_wmse"]
        assert m[target]["holdout_wmse"] == min(grid.values())
        # The penalty's largest values tend to the no-player baseline: the chosen one is no worse.
        assert m[target]["holdout_wmse"] <= m[target]["baseline_wmse"] * 1.001
    stints = c["parameters"]["stints"]
    assert c["training_rows"] == 2 * stints
    # Every skater who played even-strength stints has an impact; goalies have none.
    impacts = frame(url, "select * from ml.mv_player_impact")
    goalies = impacts[impacts["position"] == "G"]
    assert goalies["xgf60_impact"].isna().all() and (goalies["toi_seconds"] == 0).all()
    skaters = impacts[impacts["toi_seconds"] > 0]
    assert len(skaters) == c["parameters"]["players"]
    assert (
        skaters["net_xg60_impact"] - (skaters["xgf60_impact"] - skaters["xga60_impact"])
    ).abs().max() < ROUND
    # The card's ranking figure is the Spearman correlation of the stored net impacts with the
    # generator's true skill, over the skaters with 20 minutes or more.
    skill = truth_skill(ml_league)
    ranked = skaters[skaters["toi_seconds"] >= m["skill_rank"]["min_seconds"]]
    assert m["skill_rank"]["players"] == len(ranked)
    truth = ranked["player_id"].map(skill).astype(float)
    rho = ranked["net_xg60_impact"].astype(float).rank().corr(truth.rank())
    assert m["skill_rank"]["spearman_net_xg"] == pytest.approx(rho, abs=1e-9)
    print(
        f"player_impact: held-out wmse xg {m['xg']['holdout_wmse']:.3f} vs baseline "
        f"{m['xg']['baseline_wmse']:.3f}; spearman with true skill {rho:.3f} ({len(ranked)} players)"
    )


@pytest.mark.parametrize("unit_type", ["pair", "trio"])
def test_line_chemistry_is_the_recomputed_unit(ml_league: dict, unit_type: str) -> None:
    url = ml_league["url"]
    view = frame(
        url,
        "select * from ml.mv_line_chemistry where unit_type = %s"
        " order by toi_together_s desc, unit_key limit 1",
        unit_type,
    ).iloc[0]
    players = list(view["player_ids"])
    assert view["unit_key"] == "-".join(sorted(players))
    got = recompute_unit(url, players)
    assert float(view["toi_together_s"]) == pytest.approx(got["toi"])
    assert float(view["xgf"]) == pytest.approx(got["xgf"])
    assert float(view["xga"]) == pytest.approx(got["xga"])
    assert (view["gf"], view["ga"], view["attempts"]) == (got["gf"], got["ga"], got["attempts"])
    xgf_pct = got["xgf"] / (got["xgf"] + got["xga"])
    expected = got["exp_xgf"] / (got["exp_xgf"] + got["exp_xga"])
    assert float(view["xgf_pct"]) == pytest.approx(xgf_pct)
    assert float(view["expected_xgf_pct"]) == pytest.approx(expected)
    prior = card(url)["parameters"]["chemistry_prior_seconds"]
    weight = got["toi"] / (got["toi"] + prior)
    assert float(view["xgf_pct_diff_shrunk"]) == pytest.approx(weight * (xgf_pct - expected))
    gf_pct = got["gf"] / (got["gf"] + got["ga"])
    expected_gf = got["exp_goalsf"] / (got["exp_goalsf"] + got["exp_goalsa"])
    assert float(view["gf_pct_diff_shrunk"]) == pytest.approx(weight * (gf_pct - expected_gf))
    residual = (got["xgf"] - got["xga"] - got["exp_xgf"] + got["exp_xga"]) / got["toi"] * 3600
    assert float(view["xg_diff_per60_residual_shrunk"]) == pytest.approx(weight * residual)


def best_by_brute_force(players: list[str], size: int, n: int, value) -> float:
    """The largest total value of n disjoint units of `size` players, over every choice."""
    values = {unit: value(unit) for unit in itertools.combinations(players, size)}
    best = -math.inf
    for combo in itertools.combinations(values, n):
        flat = [p for unit in combo for p in unit]
        if len(set(flat)) == len(flat):
            best = max(best, sum(values[unit] for unit in combo))
    return best


def check_lineup(url: str, answer: dict, roster: list[str], unavailable: set[str]) -> None:
    """The answer is a valid lineup of the available roster and its value is the brute force's."""
    impacts = frame(
        url,
        "select player_id, position, coalesce(net_xg60_impact, 0)::float8 as net"
        " from ml.mv_player_impact where player_id = any(%s)",
        roster,
    ).set_index("player_id")
    chem = dict(
        rows(url, "select unit_key, xg_diff_per60_residual_shrunk from ml.mv_line_chemistry")
    )

    def value(unit) -> float:
        key = "-".join(sorted(unit))
        return sum(impacts.loc[p, "net"] for p in unit) + float(chem.get(key, 0.0))

    available = [p for p in sorted(roster) if p not in unavailable]
    forwards = [p for p in available if impacts.loc[p, "position"] == "F"]
    defence = [p for p in available if impacts.loc[p, "position"] == "D"]
    lines, pairs = answer["forward_lines"], answer["defence_pairs"]
    assert len(lines) == min(len(forwards) // 3, 4) and len(pairs) == min(len(defence) // 2, 3)
    used = [p for u in lines + pairs for p in u["player_ids"]]
    assert len(used) == len(set(used)) and not set(used) & unavailable
    assert all(len(u["player_ids"]) == 3 and set(u["player_ids"]) <= set(forwards) for u in lines)
    assert all(len(u["player_ids"]) == 2 and set(u["player_ids"]) <= set(defence) for u in pairs)
    for u in lines + pairs:
        assert u["expected_xg_differential_per_60"] == pytest.approx(value(u["player_ids"]))
    want = best_by_brute_force(forwards, 3, len(lines), value) / len(lines)
    want += best_by_brute_force(defence, 2, len(pairs), value) / len(pairs)
    assert answer["expected_xg_differential_per_60"] == pytest.approx(want, abs=1e-9)


def test_the_line_endpoints_answer(ml_league: dict, tmp_path_factory) -> None:
    url = ml_league["url"]
    project = make_tiny_project(tmp_path_factory.mktemp("lines_project"))
    settings = api_settings(url, project, tmp_path_factory.mktemp("lines_state"))
    units = frame(url, "select * from ml.mv_line_chemistry order by toi_together_s desc, unit_key")
    coef = dict(
        rows(
            url, "select term, value from ml.active_coefficients where model_name = 'player_impact'"
        )
    )
    impacts = frame(url, "select * from ml.mv_player_impact").set_index("player_id")
    with api_server(settings) as base, client(base, create_key(url, "read")) as http:
        for unit_type in ("pair", "trio"):
            row = units[units["unit_type"] == unit_type].iloc[0]
            ids = list(reversed(row["player_ids"]))  # any order
            team = row["team_ids"][0]
            answer = http.post(
                "/api/ml/predict/line-chemistry", json={"player_ids": ids, "team_id": team}
            ).json()
            assert answer["status"] == "ok" and answer["basis"] == "together"
            assert answer["unit_type"] == unit_type and answer["player_ids"] == ids
            assert answer["together_seconds"] == float(row["toi_together_s"])
            assert answer["line_chemistry_score"] == pytest.approx(
                float(row["xgf_pct_diff_shrunk"])
            )
            low, high = answer["line_chemistry_interval"]
            assert low < answer["line_chemistry_score"] < high
            perf = answer["predicted_performance"]
            assert perf["xgf_pct"] == pytest.approx(
                float(row["expected_xgf_pct"]) + float(row["xgf_pct_diff_shrunk"])
            )
            assert answer["observed"]["xgf_pct"] == pytest.approx(float(row["xgf_pct"]))
            assert answer["model"]["name"] == "player_impact"
        # Two skaters of different teams never shared the ice as teammates: the impacts alone.
        skaters = impacts[(impacts["toi_seconds"] > 0) & impacts["team_id"].notna()]
        a = skaters.index[0]
        b = skaters[skaters["team_id"] != skaters.loc[a, "team_id"]].index[0]
        assert "-".join(sorted([a, b])) not in set(units["unit_key"])
        alone = http.post("/api/ml/predict/line-chemistry", json={"player_ids": [a, b]}).json()
        assert alone["basis"] == "individual_impacts_only" and alone["together_seconds"] == 0
        assert alone["line_chemistry_score"] is None and alone["observed"] is None
        base_rate = coef["xg:intercept"] + coef["xg:home"] / 2
        xgf60 = base_rate + sum(coef[f"xg:off:{p}"] for p in (a, b))
        xga60 = base_rate + sum(coef[f"xg:def:{p}"] for p in (a, b))
        assert alone["expected"]["xgf_per_60"] == pytest.approx(xgf60)
        assert alone["predicted_performance"]["xgf_pct"] == pytest.approx(xgf60 / (xgf60 + xga60))
        # Bad requests.
        chem = "/api/ml/predict/line-chemistry"
        missing = http.post(chem, json={"player_ids": [a, "P999999"]})
        assert missing.status_code == 404 and "P999999" in missing.json()["detail"]
        no_team = http.post(chem, json={"player_ids": [a, b], "team_id": "T404"})
        assert no_team.status_code == 404 and "team_id" in no_team.json()["detail"]
        goalie = impacts[impacts["position"] == "G"].index[0]
        assert http.post(chem, json={"player_ids": [a, goalie]}).status_code == 400
        assert http.post(chem, json={"player_ids": [a, a]}).status_code == 400
        # Malformed bodies (the request schema): 400 or 422 naming the field.
        for bad in ({"player_ids": [a]}, {"player_ids": [a, b], "extra": 1}):
            answer = http.post(chem, json=bad)
            assert answer.status_code in (400, 422), bad

        # The lineup of a team's registered players: the brute force's value, deterministic.
        team = skaters.loc[a, "team_id"]
        roster = list(impacts[impacts["team_id"] == team].index)
        opt = "/api/ml/optimize/lineup"
        answer = http.post(opt, json={"team_id": team}).json()
        assert answer["status"] == "ok" and answer["team_id"] == team
        check_lineup(url, answer, roster, set())
        assert http.post(opt, json={"team_id": team}).json() == answer
        out = answer["forward_lines"][0]["player_ids"][0]
        without = http.post(opt, json={"team_id": team, "unavailable": [out]}).json()
        assert out in without["unavailable"]
        check_lineup(url, without, roster, {out})
        # One side of a game's roster.
        game_id, home_team = rows(
            url,
            "select g.game_id, g.home_team_id from ml.mv_game_predictions as g"
            " where exists (select 1 from ml.mv_player_game_xg as x where x.game_id = g.game_id)"
            " order by g.game_id limit 1",
        )[0]
        side = http.post(opt, json={"game_id": game_id, "side": "home"}).json()
        assert side["team_id"] == home_team
        game_roster = [
            r[0]
            for r in rows(
                url,
                "select player_id from ml.mv_player_game_xg where game_id = %s and venue = 'home'",
                game_id,
            )
        ]
        check_lineup(url, side, game_roster, set())
        for bad, field in (
            ({"game_id": game_id, "side": "middle"}, "side"),
            ({"game_id": game_id}, "side"),
            ({"team_id": team, "side": "home"}, "side"),
            ({}, "team_id"),
            ({"team_id": team, "unavailable": ["P999999"]}, "unavailable"),
        ):
            answer = http.post(opt, json=bad)
            assert answer.status_code in (400, 422), bad
            assert field in answer.text, (bad, answer.text)
        assert http.post(opt, json={"team_id": "T404"}).status_code == 404
        assert http.post(opt, json={"game_id": 999999, "side": "away"}).status_code == 404
