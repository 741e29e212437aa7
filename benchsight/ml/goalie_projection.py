"""Goalie projection: save % shrunk toward the league by shots faced (empirical Bayes).

Each goalie's true save % on shots on goal is drawn from a league Beta(alpha, beta); his saves are
binomial given it. alpha and beta are fitted by maximum marginal likelihood (beta-binomial) on the
goalies' totals of every tracked game (fact_goalie_game_stats). The projection of a goalie is his
posterior Beta(alpha + saves, beta + goals against): mean (alpha + saves) / (alpha + beta + shots),
a 90 % interval from its quantiles. kappa = alpha + beta is the prior's weight in shots: a goalie
with `shots` faced keeps the share w = shots / (shots + kappa) of his own save % (w is stored per
goalie in ml.mv_goalie_projection as shrink_weight).

GSAx (docs/metrics.md: xGA of the unblocked attempts faced - goals on them, from ml.mv_goalie_game_xg)
is shrunk toward the league's 0 with the same weight w: projected GSAx per game = w * GSAx / games.

When the marginal likelihood keeps rising as kappa grows (the goalies differ no more than chance
allows, common with a handful of goalies), kappa stops at KAPPA_MAX shots: full pooling, stated in
the card (`kappa_at_bound`).

Evaluation: alpha and beta fitted on the earliest 80 % of games (by date), each goalie's save % of
the latest 20 % predicted by his shrunk training save %, by his raw training save % and by the
league's training save %; per held-out shot log-loss of each (lower is better).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from scipy.special import betaln

from benchsight.ml.base import FitResult, InsufficientData
from benchsight.ml.metrics import split_by_date

NAME = "goalie_projection"
DESCRIPTION = (
    "Goalie save % shrunk toward the league by shots faced: a beta-binomial (empirical Bayes) "
    "prior fitted on every goalie's saves and shots on goal; posterior mean and 90 % interval per "
    "goalie; GSAx from the xG views shrunk with the same weight."
)
KAPPA_MIN = 1.0
KAPPA_MAX = 20000.0
MIN_GOALIES = 2
MIN_SHOTS = 100
SPEC = f"goalie_projection/1 kappa=[{KAPPA_MIN},{KAPPA_MAX}] min_shots={MIN_SHOTS}"

QUERY = """
    select g.game_id, d.game_date, g.player_id, g.shots_against::int as shots,
        g.saves::int as saves
    from {schema}.fact_goalie_game_stats as g
    join {schema}.dim_schedule as d on d.game_id = g.game_id
    where g.shots_against > 0
    order by d.game_date, g.game_id, g.player_id
"""


def beta_binomial_prior(saves: np.ndarray, shots: np.ndarray) -> tuple[float, float, bool]:
    """(alpha, beta, at_bound): the Beta prior maximising the beta-binomial marginal likelihood of
    the goalies' saves; the mean is fixed at the pooled save % (its ML estimate to first order),
    kappa = alpha + beta searched on the log scale in [KAPPA_MIN, KAPPA_MAX]."""
    mu = saves.sum() / shots.sum()
    goals = shots - saves

    def nll(log_kappa: float) -> float:
        k = np.exp(log_kappa)
        a, b = mu * k, (1 - mu) * k
        return -float((betaln(saves + a, goals + b) - betaln(a, b)).sum())

    lo, hi = np.log(KAPPA_MIN), np.log(KAPPA_MAX)
    res = minimize_scalar(nll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-4})
    log_k = float(res.x)
    at_bound = nll(hi) <= res.fun + 1e-9 or hi - log_k < 1e-3
    if at_bound:
        log_k = hi
    k = float(np.exp(log_k))
    return mu * k, (1 - mu) * k, at_bound


def _per_shot_log_loss(p: np.ndarray, saves: np.ndarray, shots: np.ndarray) -> float:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    ll = saves * np.log(p) + (shots - saves) * np.log(1 - p)
    return float(-ll.sum() / shots.sum())


def _totals(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.groupby("player_id")[["shots", "saves"]].sum()


def fit(frame: pd.DataFrame) -> FitResult:
    totals = _totals(frame)
    counts = {"goalies": len(totals), "shots": int(totals["shots"].sum()),
              "games": int(frame["game_id"].nunique())}  # fmt: skip
    if len(totals) < MIN_GOALIES or counts["shots"] < MIN_SHOTS:
        raise InsufficientData(
            f"a goalie projection needs at least {MIN_GOALIES} goalies and {MIN_SHOTS} shots on "
            "goal faced in tracked games",
            counts,
        )
    is_train, holdout = split_by_date(frame)
    train, test = _totals(frame[is_train]), _totals(frame[~is_train])
    both = test.add_suffix("_test").join(train.add_suffix("_train"), how="inner")
    metrics: dict = {
        "evaluation": (
            "prior fitted on the earliest 80 % of games by date; each goalie's held-out save % "
            "(latest 20 %) predicted by his shrunk training save %, his raw training save % and "
            "the league's training save %: log-loss per held-out shot (lower is better)"
        ),
        "holdout_games": len(holdout),
    }
    if len(train) >= MIN_GOALIES and len(both):
        a, b, _ = beta_binomial_prior(train["saves"].to_numpy(float),
                                      train["shots"].to_numpy(float))  # fmt: skip
        s_tr, n_tr = both["saves_train"].to_numpy(float), both["shots_train"].to_numpy(float)
        s_te, n_te = both["saves_test"].to_numpy(float), both["shots_test"].to_numpy(float)
        league = train["saves"].sum() / train["shots"].sum()
        metrics["holdout"] = {
            "goalies": len(both),
            "shots": int(n_te.sum()),
            "log_loss_shrunk": _per_shot_log_loss((a + s_tr) / (a + b + n_tr), s_te, n_te),
            "log_loss_raw": _per_shot_log_loss(s_tr / n_tr, s_te, n_te),
            "log_loss_league": _per_shot_log_loss(np.full(len(both), league), s_te, n_te),
        }
    alpha, beta, at_bound = beta_binomial_prior(
        totals["saves"].to_numpy(float), totals["shots"].to_numpy(float)
    )
    kappa = alpha + beta
    metrics.update({
        "league_save_pct": alpha / kappa,
        "kappa_shots": kappa,
        "kappa_at_bound": at_bound,
        "prior_sd_save_pct": float(np.sqrt(alpha * beta / (kappa**2 * (kappa + 1)))),
    })  # fmt: skip
    return FitResult(
        coefficients={"alpha": alpha, "beta": beta},
        metrics=metrics,
        features=["saves", "shots_against"],
        parameters={
            "kappa_bounds": [KAPPA_MIN, KAPPA_MAX],
            "interval": 0.9,
            "goalie_shots": {str(p): int(n) for p, n in totals["shots"].items()},
        },
        training_rows=len(frame),
        games=counts["games"],
        data_from=frame["game_date"].min(),
        data_to=frame["game_date"].max(),
        notes=DESCRIPTION,
    )
