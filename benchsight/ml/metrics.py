"""Evaluation measures shared by the models: log-loss, Brier, AUC, a reliability table, and the
held-out split (the latest share of games by date, never rows of a training game)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

HOLDOUT_SHARE = 0.2
RELIABILITY_BINS = 10


def split_by_date(frame: pd.DataFrame, share: float = HOLDOUT_SHARE) -> tuple[pd.Series, list]:
    """A mask of training rows: the games before the latest `share` of games by (date, game_id).
    Returns the mask and the held-out game ids."""
    games = frame[["game_id", "game_date"]].drop_duplicates("game_id")
    games = games.sort_values(["game_date", "game_id"], na_position="first")
    n_holdout = max(1, round(len(games) * share))
    holdout = list(games["game_id"].iloc[len(games) - n_holdout :])
    return ~frame["game_id"].isin(holdout), holdout


def binary_scores(y: np.ndarray, p: np.ndarray) -> dict:
    """log-loss (nats per attempt), Brier and AUC (None when one class is missing)."""
    p = np.clip(p, 1e-12, 1 - 1e-12)
    both = 0 < y.sum() < len(y)
    return {
        "log_loss": float(log_loss(y, p, labels=[0, 1])),
        "brier": float(brier_score_loss(y, p)),
        "auc": float(roc_auc_score(y, p)) if both else None,
        "rows": len(y),
        "observed_rate": float(y.mean()) if len(y) else None,
        "mean_predicted": float(p.mean()) if len(y) else None,
    }


def reliability_table(y: np.ndarray, p: np.ndarray, bins: int = RELIABILITY_BINS) -> list[dict]:
    """Equal-count bins of the predicted probability (deciles by default): per bin the range,
    the rows, the mean prediction and the observed rate."""
    order = np.argsort(p, kind="stable")
    table = []
    for i, idx in enumerate(np.array_split(order, bins)):
        if not len(idx):
            continue
        table.append(
            {
                "bin": i + 1,
                "p_min": float(p[idx].min()),
                "p_max": float(p[idx].max()),
                "rows": len(idx),
                "mean_predicted": float(p[idx].mean()),
                "observed_rate": float(y[idx].mean()),
            }
        )
    return table
