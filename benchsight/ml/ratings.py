"""Team ratings and game outcomes: a Poisson goals model with shrinkage.

Each side's goals in a game are Poisson with mean
    lambda = exp(intercept + home * is_home + attack[team] - defence[opponent]),
fitted by maximum a posteriori on the official final scores of every played game
(dim_schedule, schedule_type 'Past', both scores known: tracked or not), with a normal prior
(mean 0, sd PRIOR_SD) on every attack and defence rating: a team with few games is pulled toward
the league average. A team's `rating` = attack + defence (its log goal ratio against an average
opponent on neutral ice).

Game outcome: the two Poisson scores are independent given the ratings, so P(home win), P(draw)
(level after the final score, as the schedule records ties) and P(away win) are sums over the score
grid 0..MAX_GOALS; the predicted score is the most likely scoreline. Evaluation: the model fitted on
the earliest 80 % of games by date, scored on the latest 20 %, with the Brier score (sum over the
three outcomes of (p - observed)^2) against the baseline of the training games' outcome shares.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln, xlogy

from benchsight.ml.base import FitResult, InsufficientData
from benchsight.ml.metrics import split_by_date

NAME = "game_outcome"
DESCRIPTION = (
    "Team ratings (attack, defence, home advantage) from a Poisson goals model of every played "
    "game's official score, with a normal shrinkage prior on the ratings; win / draw / loss "
    "probabilities and expected goals for any two teams."
)
PRIOR_SD = 0.3
MAX_GOALS = 15
MIN_GAMES = 12
SPEC = f"game_outcome/1 prior_sd={PRIOR_SD} max_goals={MAX_GOALS}"

QUERY = """
    select game_id, game_date, season_id, home_team_id, away_team_id,
        home_total_goals::int as home_goals, away_total_goals::int as away_goals
    from {schema}.dim_schedule
    where schedule_type = 'Past' and home_total_goals is not null and away_total_goals is not null
        and home_team_id is not null and away_team_id is not null
    order by game_date, game_id
"""


def _fit(frame: pd.DataFrame) -> dict[str, float]:
    teams = sorted(set(frame["home_team_id"]) | set(frame["away_team_id"]))
    index = {t: i for i, t in enumerate(teams)}
    n = len(teams)
    h = frame["home_team_id"].map(index).to_numpy()
    a = frame["away_team_id"].map(index).to_numpy()
    gh = frame["home_goals"].to_numpy(float)
    ga = frame["away_goals"].to_numpy(float)
    penalty = 1.0 / (PRIOR_SD**2)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        mu, home, att, dfn = theta[0], theta[1], theta[2 : 2 + n], theta[2 + n :]
        lh = np.exp(mu + home + att[h] - dfn[a])
        la = np.exp(mu + att[a] - dfn[h])
        nll = (lh - gh * np.log(lh)).sum() + (la - ga * np.log(la)).sum()
        nll += 0.5 * penalty * ((att**2).sum() + (dfn**2).sum())
        rh, ra = lh - gh, la - ga  # d nll / d log-lambda
        grad = np.zeros_like(theta)
        grad[0] = rh.sum() + ra.sum()
        grad[1] = rh.sum()
        g_att = np.bincount(h, rh, n) + np.bincount(a, ra, n) + penalty * att
        g_def = -np.bincount(a, rh, n) - np.bincount(h, ra, n) + penalty * dfn
        grad[2 : 2 + n], grad[2 + n :] = g_att, g_def
        return nll, grad

    start = np.zeros(2 + 2 * n)
    start[0] = np.log(max((gh.mean() + ga.mean()) / 2, 0.1))
    result = minimize(objective, start, jac=True, method="L-BFGS-B")
    theta = result.x
    coef = {"intercept": float(theta[0]), "home": float(theta[1])}
    for t, i in index.items():
        coef[f"attack:{t}"] = float(theta[2 + i])
        coef[f"defence:{t}"] = float(theta[2 + n + i])
    return coef


def expected_goals(coef: dict[str, float], home: str, away: str) -> tuple[float, float]:
    """Expected goals of the home and away side (a team without games rates 0: league average)."""
    att = lambda t: coef.get(f"attack:{t}", 0.0)  # noqa: E731
    dfn = lambda t: coef.get(f"defence:{t}", 0.0)  # noqa: E731
    lh = np.exp(coef["intercept"] + coef["home"] + att(home) - dfn(away))
    la = np.exp(coef["intercept"] + att(away) - dfn(home))
    return float(lh), float(la)


def _poisson_pmf(k: np.ndarray, mu: float) -> np.ndarray:
    """scipy.stats' poisson.pmf, the same formula without its argument checks (~90 us a call):
    the API computes this per request."""
    return np.exp(xlogy(k, mu) - gammaln(k + 1) - mu)


def outcome_probabilities(lh: float, la: float) -> dict:
    """P(home win), P(draw), P(away win) and the most likely score, over the grid 0..MAX_GOALS
    (the grid's mass, just under 1 for any plausible rate, is renormalised)."""
    k = np.arange(MAX_GOALS + 1)
    grid = np.outer(_poisson_pmf(k, lh), _poisson_pmf(k, la))
    grid /= grid.sum()
    home, draw, away = np.tril(grid, -1).sum(), np.trace(grid), np.triu(grid, 1).sum()
    i, j = np.unravel_index(np.argmax(grid), grid.shape)
    return {"home_win": float(home), "draw": float(draw), "away_win": float(away),
            "score": (int(i), int(j))}  # fmt: skip


def _outcomes(frame: pd.DataFrame) -> np.ndarray:
    """One-hot (home win, draw, away win) of the played games."""
    gh, ga = frame["home_goals"].to_numpy(), frame["away_goals"].to_numpy()
    return np.column_stack([gh > ga, gh == ga, gh < ga]).astype(float)


def brier(p: np.ndarray, y: np.ndarray) -> float:
    return float(((p - y) ** 2).sum(axis=1).mean())


def fit(frame: pd.DataFrame) -> FitResult:
    teams = set(frame["home_team_id"]) | set(frame["away_team_id"])
    counts = {"games": len(frame), "teams": len(teams)}
    if len(frame) < MIN_GAMES or len(teams) < 2:
        raise InsufficientData(
            f"team ratings need at least {MIN_GAMES} played games with official scores and 2 teams",
            counts,
        )
    is_train, holdout = split_by_date(frame)
    train, test = frame[is_train], frame[~is_train]
    coef_train = _fit(train)
    probs = []
    for home, away in zip(test["home_team_id"], test["away_team_id"], strict=True):
        o = outcome_probabilities(*expected_goals(coef_train, home, away))
        probs.append([o["home_win"], o["draw"], o["away_win"]])
    p, y = np.array(probs), _outcomes(test)
    base = _outcomes(train).mean(axis=0)
    log_loss = float(-np.log(np.clip((p * y).sum(axis=1), 1e-12, 1)).mean())
    metrics = {
        "evaluation": (
            "fitted on the earliest 80 % of games by date, scored on the latest 20 % "
            f"({len(holdout)} games); baseline: the training games' home-win / draw / away-win shares"
        ),
        "holdout_games": len(holdout),
        "holdout": {"brier": brier(p, y), "log_loss": log_loss, "rows": len(test),
                    "accuracy": float((p.argmax(axis=1) == y.argmax(axis=1)).mean())},
        "baselines": {"home_rate": {
            "brier": brier(np.tile(base, (len(y), 1)), y),
            "shares": {"home_win": base[0], "draw": base[1], "away_win": base[2]},
        }},
    }  # fmt: skip
    coef = _fit(frame)
    games = pd.concat([frame["home_team_id"], frame["away_team_id"]]).value_counts()
    return FitResult(
        coefficients=coef,
        metrics=metrics,
        features=["home", "attack", "defence"],
        parameters={
            "prior_sd": PRIOR_SD,
            "max_goals": MAX_GOALS,
            "team_games": {str(t): int(n) for t, n in games.items()},
            "home_advantage_goal_ratio": float(np.exp(coef["home"])),
        },
        training_rows=len(frame),
        games=len(frame),
        data_from=frame["game_date"].min(),
        data_to=frame["game_date"].max(),
        notes=DESCRIPTION,
    )
