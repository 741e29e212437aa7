"""In-game win probability: P(home win), P(draw), P(away win) from a game state.

Training states: every STEP_S seconds of regulation of each tracked game graded A-C with an
official final score: the score difference at that second (fact_goals, goals at or before it), the
strength difference (home skaters - away skaters of the fact_stints interval holding it), the
seconds of regulation left, and the pre-game log ratio of expected goals from the active
game_outcome ratings. Label: the official final result. A multinomial logistic regression (L2, on
standardised features) of

    d / sqrt(m + 1), |d| / sqrt(m + 1), d, s / sqrt(m + 1), r * f, f

with d the score difference, m the minutes left, s the strength difference, r the pre-game log
ratio and f the share of regulation left. Coefficients are stored per outcome on the raw scale
(`home_win:score_per_root_minute` ...), so the API scores a state with a softmax.
Evaluation: fitted on the earliest 80 % of games by date, scored on the states of the latest 20 %,
against the outcome shares of the training games and the pre-game model alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from benchsight.ml import ratings
from benchsight.ml.base import FitResult, InsufficientData
from benchsight.ml.metrics import split_by_date

NAME = "win_probability"
DESCRIPTION = (
    "In-game win / draw / loss probabilities from the score difference, the time left, the "
    "strength state and the pre-game ratings: multinomial logistic regression on the league's "
    "tracked game states."
)
STEP_S = 60
C = 1.0
MIN_GAMES = 12
OUTCOMES = ("home_win", "draw", "away_win")
FEATURES = ("score_per_root_minute", "abs_score_per_root_minute", "score", "strength_per_root_minute",
            "pregame_by_share_left", "share_left")  # fmt: skip
SPEC = f"win_probability/1 step={STEP_S} C={C} features={FEATURES}"

QUERY = """
    with games as (
        select s.game_id, s.game_date, s.home_team_id, s.away_team_id,
            s.home_total_goals::int as home_goals, s.away_total_goals::int as away_goals,
            3 * coalesce(s.period_length, 18) * 60 as regulation_s
        from {schema}.dim_schedule as s
        inner join {schema}.qa_game_quality as q on q.game_id = s.game_id
        where q.grade in ('A', 'B', 'C') and s.home_total_goals is not null
            and s.away_total_goals is not null
    ),
    states as (
        select g.*, t.elapsed
        from games as g
        cross join lateral generate_series(0, g.regulation_s - 1, %(step)s) as t (elapsed)
    ),
    scores as (
        select st.game_id, st.elapsed,
            coalesce(sum(case f.venue when 'home' then 1 when 'away' then -1 else 0 end), 0)::int
                as score_diff
        from states as st
        left join {schema}.fact_goals as f
            on f.game_id = st.game_id and f.game_seconds <= st.elapsed
        group by st.game_id, st.elapsed
    ),
    strengths as (
        select st.game_id, st.elapsed,
            coalesce(max(i.home_skaters - i.away_skaters), 0)::int as strength_diff
        from states as st
        left join {schema}.fact_stints as i
            on i.game_id = st.game_id and i.start_game_seconds <= st.elapsed
            and st.elapsed < i.end_game_seconds
        group by st.game_id, st.elapsed
    )
    select st.game_id, st.game_date, st.home_team_id, st.away_team_id, st.home_goals,
        st.away_goals, st.regulation_s, st.elapsed, sc.score_diff, sg.strength_diff
    from states as st
    inner join scores as sc on sc.game_id = st.game_id and sc.elapsed = st.elapsed
    inner join strengths as sg on sg.game_id = st.game_id and sg.elapsed = st.elapsed
    order by st.game_id, st.elapsed
"""
QUERY_PARAMS = {"step": STEP_S}
USES_RATINGS = True  # fit() takes the active game_outcome coefficients (the pre-game feature)


def features(d, s, seconds_left, regulation_s, pregame) -> np.ndarray:
    d, s = np.asarray(d, float), np.asarray(s, float)
    left = np.asarray(seconds_left, float)
    root = np.sqrt(left / 60.0 + 1.0)
    share = left / np.asarray(regulation_s, float)
    return np.column_stack([d / root, np.abs(d) / root, d, s / root, np.asarray(pregame) * share,
                            share])  # fmt: skip


def _pregame(frame: pd.DataFrame, coef: dict[str, float] | None) -> np.ndarray:
    if not coef:
        return np.zeros(len(frame))
    pairs = {
        (h, a): np.log(np.divide(*ratings.expected_goals(coef, h, a)))
        for h, a in set(zip(frame["home_team_id"], frame["away_team_id"], strict=True))
    }
    return np.array([pairs[(h, a)] for h, a in
                     zip(frame["home_team_id"], frame["away_team_id"], strict=True)])  # fmt: skip


def _design(frame: pd.DataFrame, coef) -> tuple[np.ndarray, np.ndarray]:
    x = features(frame["score_diff"], frame["strength_diff"],
                 frame["regulation_s"] - frame["elapsed"], frame["regulation_s"],
                 _pregame(frame, coef))  # fmt: skip
    gh, ga = frame["home_goals"].to_numpy(), frame["away_goals"].to_numpy()
    y = np.where(gh > ga, 0, np.where(gh == ga, 1, 2))
    return x, y


def _fit(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    mean, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1.0
    model = LogisticRegression(C=C, max_iter=2000)
    model.fit((x - mean) / sd, y)
    coef = {}
    for row, cls in enumerate(model.classes_):
        beta = model.coef_[row] / sd
        name = OUTCOMES[int(cls)]
        coef[f"{name}:intercept"] = float(model.intercept_[row] - (beta * mean).sum())
        coef.update({f"{name}:{f}": float(b) for f, b in zip(FEATURES, beta, strict=True)})
    return coef


def probabilities(coef: dict[str, float], x: np.ndarray) -> np.ndarray:
    """Softmax over the outcomes present in the coefficients (columns: home_win, draw, away_win;
    an outcome never seen in training gets probability 0)."""
    z = np.full((len(x), 3), -np.inf)
    for k, name in enumerate(OUTCOMES):
        if f"{name}:intercept" in coef:
            z[:, k] = coef[f"{name}:intercept"] + x @ np.array(
                [coef[f"{name}:{f}"] for f in FEATURES]
            )
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit(frame: pd.DataFrame, ratings_coef: dict[str, float] | None = None) -> FitResult:
    games = frame["game_id"].nunique()
    counts = {"games": int(games), "states": len(frame)}
    if games < MIN_GAMES:
        raise InsufficientData(
            f"in-game win probability needs at least {MIN_GAMES} tracked games graded A-C with "
            "official scores",
            counts,
        )
    x, y = _design(frame, ratings_coef)
    if len(set(y.tolist())) < 2:
        raise InsufficientData("every training game has the same result", counts)
    is_train, holdout = split_by_date(frame)
    train_mask = is_train.to_numpy()
    p = probabilities(_fit(x[train_mask], y[train_mask]), x[~train_mask])
    onehot = np.eye(3)[y[~train_mask]]
    shares = np.eye(3)[y[train_mask]].mean(axis=0)

    def scores(q: np.ndarray) -> dict:
        q = np.clip(q, 1e-12, 1)
        return {"brier": float(((q - onehot) ** 2).sum(axis=1).mean()),
                "log_loss": float(-np.log((q * onehot).sum(axis=1)).mean())}  # fmt: skip

    baselines = {"outcome_shares": scores(np.tile(shares, (len(onehot), 1)))}
    if ratings_coef:
        test = frame[~is_train]
        pre = [ratings.outcome_probabilities(*ratings.expected_goals(ratings_coef, h, a))
               for h, a in zip(test["home_team_id"], test["away_team_id"], strict=True)]  # fmt: skip
        baselines["pregame_only"] = scores(
            np.array([[o["home_win"], o["draw"], o["away_win"]] for o in pre])
        )
    metrics = {
        "evaluation": (
            "fitted on the states of the earliest 80 % of games by date, scored on the states of "
            f"the latest 20 % ({len(holdout)} games, {int((~train_mask).sum())} states)"
        ),
        "holdout_games": len(holdout),
        "holdout": {**scores(p), "rows": int((~train_mask).sum())},
        "baselines": baselines,
    }
    regulation = int(frame["regulation_s"].mode().iloc[0])
    return FitResult(
        coefficients=_fit(x, y),
        metrics=metrics,
        features=list(FEATURES),
        parameters={
            "C": C,
            "step_s": STEP_S,
            "regulation_s": regulation,
            "uses_game_outcome_ratings": bool(ratings_coef),
        },
        training_rows=len(frame),
        games=int(games),
        data_from=frame["game_date"].min(),
        data_to=frame["game_date"].max(),
        notes=DESCRIPTION,
    )
