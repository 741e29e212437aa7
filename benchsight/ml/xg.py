"""Expected goals: a regularised logistic model of an unblocked attempt becoming a goal.

Two variants share one model version (docs/metrics.md "Expected goals"):
- `loc:` attempts with a location: distance (ft), angle (deg), shot type, rebound, rush, power
  play, short-handed, empty net;
- `noloc:` attempts without XY: the same without distance and angle.
Blocked attempts are left out (the shooter's location is unknown: the tracker records the block).
Training rows are the unblocked attempts of games graded A-C by qa_game_quality (D has no usable
shifts, so no strength situation; F no events).

The coefficients are stored on the raw feature scale (`loc:distance_ft` is per foot), so the view
`ml.mv_shot_xg` scores any attempt as 1 / (1 + exp(-(intercept + sum(coefficient * feature)))).
A shot type is a term of its own when it has at least MIN_TYPE_ROWS training attempts; rarer types
(and the most common, the reference) score with no shot-type term.

Evaluation: the same specification fitted on the earliest 80 % of games (by date) and scored on the
latest 20 %, against two baselines fitted on the same training games: the league's goal rate per
attempt, and a logistic on distance only. The published version is then refitted on every game.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from benchsight.ml.base import FitResult, InsufficientData
from benchsight.ml.metrics import binary_scores, reliability_table, split_by_date

NAME = "xg"
DESCRIPTION = (
    "Expected goals per unblocked attempt: L2-regularised logistic regression on distance, angle, "
    "shot type, rebound, rush, power play, short-handed and empty net (a no-location variant for "
    "attempts without XY). Blocked attempts are excluded: the shooter's location is unknown."
)
INPUTS = ("fact_shots", "dim_schedule", "qa_game_quality")
GRADES = ("A", "B", "C")
C = 1.0  # inverse L2 strength on standardised features (sklearn's C)
MIN_TYPE_ROWS = 30
MIN_GAMES = 10
MIN_ROWS = 400
MIN_GOALS = 30
NUMERIC = ("distance_ft", "angle_deg")
FLAGS = ("rebound", "rush", "power_play", "short_handed", "empty_net")
# Part of the input digest: a change of specification retrains even on unchanged data.
SPEC = f"xg/1 C={C} min_type_rows={MIN_TYPE_ROWS} grades={GRADES} features={NUMERIC + FLAGS}"

QUERY = """
    select s.shot_id, s.game_id, d.game_date, s.outcome = 'goal' as is_goal, s.shot_type,
        s.distance_ft::float8 as distance_ft, s.angle_deg::float8 as angle_deg,
        coalesce(s.is_rebound, false) as rebound, coalesce(s.is_rush, false) as rush,
        coalesce(s.situation = 'pp', false) as power_play,
        coalesce(s.situation = 'sh', false) as short_handed,
        coalesce(s.is_empty_net, false) as empty_net
    from {schema}.fact_shots as s
    join {schema}.dim_schedule as d on d.game_id = s.game_id
    join {schema}.qa_game_quality as q on q.game_id = s.game_id
    where s.is_unblocked and q.grade in ('A', 'B', 'C')
    order by s.shot_id
"""


@dataclass
class Variant:
    prefix: str
    numeric: tuple[str, ...]
    types: list[str]
    reference_type: str | None


def _design(frame: pd.DataFrame, v: Variant) -> np.ndarray:
    cols = [frame[c].to_numpy(float) for c in v.numeric]
    cols += [frame[c].to_numpy(float) for c in FLAGS]
    cols += [(frame["shot_type"] == t).to_numpy(float) for t in v.types]
    return np.column_stack(cols) if cols else np.zeros((len(frame), 0))


def _terms(v: Variant) -> list[str]:
    return [*v.numeric, *FLAGS, *(f"shot_type:{t}" for t in v.types)]


def _variant(frame: pd.DataFrame, prefix: str, numeric: tuple[str, ...]) -> Variant:
    counts = frame["shot_type"].fillna("").value_counts()
    counts = counts[counts.index != ""]
    reference = str(counts.index[0]) if len(counts) else None
    types = sorted(str(t) for t, n in counts.items() if n >= MIN_TYPE_ROWS and t != reference)
    return Variant(prefix, numeric, types, reference)


def _fit(frame: pd.DataFrame, v: Variant) -> dict[str, float]:
    """Coefficients on the raw scale: standardise, fit with an L2 penalty, undo the scaling."""
    x = _design(frame, v)
    y = frame["is_goal"].to_numpy(int)
    mean, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1.0
    model = LogisticRegression(C=C, max_iter=1000)
    model.fit((x - mean) / sd, y)
    beta = model.coef_[0] / sd
    intercept = float(model.intercept_[0] - (beta * mean).sum())
    out = {f"{v.prefix}intercept": intercept}
    out.update({f"{v.prefix}{t}": float(b) for t, b in zip(_terms(v), beta, strict=True)})
    return out


def score(frame: pd.DataFrame, coef: dict[str, float]) -> np.ndarray:
    """The probability the view computes, for a frame of attempts (same formula as the SQL)."""
    has_xy = frame["distance_ft"].notna() & frame["angle_deg"].notna()
    z = np.zeros(len(frame))
    for prefix, rows in (("loc:", has_xy), ("noloc:", ~has_xy)):
        sub = frame[rows]
        zz = np.full(len(sub), coef.get(f"{prefix}intercept", 0.0))
        for c in (*NUMERIC, *FLAGS):
            if f"{prefix}{c}" in coef:
                zz += coef[f"{prefix}{c}"] * sub[c].to_numpy(float)
        zz += (
            sub["shot_type"]
            .map(lambda t, p=prefix: coef.get(f"{p}shot_type:{t}", 0.0))
            .to_numpy(float)
        )
        z[rows.to_numpy()] = zz
    return 1.0 / (1.0 + np.exp(-z))


def _fit_all(frame: pd.DataFrame) -> tuple[dict[str, float], dict]:
    located = frame[frame["distance_ft"].notna() & frame["angle_deg"].notna()]
    coef: dict[str, float] = {}
    variants = {}
    if len(located) >= MIN_ROWS and located["is_goal"].sum() >= MIN_GOALS:
        v = _variant(located, "loc:", NUMERIC)
        coef.update(_fit(located, v))
        variants["loc"] = {"rows": len(located), "reference_shot_type": v.reference_type}
    v = _variant(frame, "noloc:", ())
    coef.update(_fit(frame, v))
    variants["noloc"] = {"rows": len(frame), "reference_shot_type": v.reference_type}
    return coef, variants


def _distance_only(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray | None:
    tr, te = train[train["distance_ft"].notna()], test[test["distance_ft"].notna()]
    if len(tr) < MIN_ROWS or len(te) != len(test):
        return None
    model = LogisticRegression(C=C, max_iter=1000)
    model.fit(tr[["distance_ft"]].to_numpy(float), tr["is_goal"].to_numpy(int))
    return model.predict_proba(te[["distance_ft"]].to_numpy(float))[:, 1]


def fit(frame: pd.DataFrame) -> FitResult:
    games = frame["game_id"].nunique()
    goals = int(frame["is_goal"].sum())
    counts = {"games": int(games), "attempts": len(frame), "goals": goals}
    if games < MIN_GAMES or len(frame) < MIN_ROWS or goals < MIN_GOALS:
        raise InsufficientData(
            f"xG needs at least {MIN_GAMES} graded games, {MIN_ROWS} unblocked attempts and "
            f"{MIN_GOALS} goals",
            counts,
        )
    is_train, holdout = split_by_date(frame)
    train, test = frame[is_train], frame[~is_train]
    coef_train, _ = _fit_all(train)
    y = test["is_goal"].to_numpy(int)
    p = score(test, coef_train)
    rate = float(train["is_goal"].mean())
    baselines = {"league_rate": binary_scores(y, np.full(len(y), rate))}
    dist = _distance_only(train, test)
    if dist is not None:
        baselines["distance_only"] = binary_scores(y, dist)
    metrics = {
        "evaluation": (
            "fitted on the earliest 80 % of games by date, scored on the latest 20 % "
            f"({len(holdout)} games, {len(test)} attempts); baselines fitted on the same games"
        ),
        "holdout_games": len(holdout),
        "holdout": binary_scores(y, p),
        "baselines": baselines,
        "reliability": reliability_table(y, p),
    }
    coef, variants = _fit_all(frame)
    return FitResult(
        coefficients=coef,
        metrics=metrics,
        features=[*NUMERIC, *FLAGS, "shot_type"],
        parameters={"C": C, "min_type_rows": MIN_TYPE_ROWS, "variants": variants, "grades": GRADES},
        training_rows=len(frame),
        games=int(games),
        data_from=frame["game_date"].min(),
        data_to=frame["game_date"].max(),
        notes=DESCRIPTION,
    )
