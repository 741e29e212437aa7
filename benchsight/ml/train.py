"""Train the models over the published marts and refresh the ML views.

A model is retrained when its input changed since its active version (a digest of the training
frame and the model's specification) or when forced; each outcome (trained, unchanged,
insufficient_data, failed) is recorded in ml.model_attempts for GET /api/ml/health. A model that
fails leaves its previous active version (and so the previous predictions) in place.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

import pandas as pd
import psycopg
from psycopg import errors, sql

from benchsight.ml import (
    goalie_projection,
    line_impact,
    player_projection,
    player_value,
    playoffs,
    ratings,
    registry,
    similar_players,
    win_probability,
    xg,
)
from benchsight.ml.base import InsufficientData

MODELS: dict[str, ModuleType] = {
    xg.NAME: xg,
    ratings.NAME: ratings,
    win_probability.NAME: win_probability,
    goalie_projection.NAME: goalie_projection,
    similar_players.NAME: similar_players,
    player_value.NAME: player_value,
    line_impact.NAME: line_impact,
    player_projection.NAME: player_projection,
}


@dataclass
class ModelOutcome:
    name: str
    outcome: str  # trained | unchanged | insufficient_data | failed
    seconds: float
    version: int | None = None
    reason: str = ""
    counts: dict = field(default_factory=dict)
    training_rows: int | None = None
    metrics: dict = field(default_factory=dict)


@dataclass
class TrainReport:
    models: list[ModelOutcome]
    refreshed: list[tuple[str, float]]
    seconds: float

    @property
    def failed(self) -> list[ModelOutcome]:
        return [m for m in self.models if m.outcome == "failed"]


def load_frame(conn, module: ModuleType, schema: str) -> pd.DataFrame:
    query = sql.SQL(module.QUERY).format(schema=sql.Identifier(schema))
    with conn.cursor() as cur:
        cur.execute(query, getattr(module, "QUERY_PARAMS", None))
        columns = [d.name for d in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=columns)


def frame_digest(frame: pd.DataFrame, spec: str) -> str:
    h = hashlib.sha256(spec.encode())
    h.update(",".join(frame.columns).encode())
    if len(frame):
        h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def train_one(
    url: str, module: ModuleType, schema: str, force: bool, run_id: int | None
) -> ModelOutcome:
    name = module.NAME
    started = time.perf_counter()
    if getattr(module, "READS_ML_VIEWS", ()):  # fresh with the versions trained before this model
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                registry.refresh_views(conn, only=module.READS_ML_VIEWS)
        except psycopg.Error as exc:  # this model fails, the others still train
            reason = f"refreshing ml.{', ml.'.join(module.READS_ML_VIEWS)} failed: {exc}"
            with psycopg.connect(url) as conn:
                registry.record_attempt(conn, name, "failed", reason, {}, run_id=run_id)
            return ModelOutcome(name, "failed", time.perf_counter() - started, reason=reason)
    with psycopg.connect(url) as conn:
        try:
            frame = load_frame(conn, module, schema)
        except errors.UndefinedTable as exc:
            conn.rollback()
            reason = f"the warehouse is not built yet ({exc.diag.message_primary})"
            registry.record_attempt(conn, name, "insufficient_data", reason, {}, run_id=run_id)
            conn.commit()
            return ModelOutcome(name, "insufficient_data", time.perf_counter() - started, None,
                                reason)  # fmt: skip
        fit_args: tuple = ()
        spec = module.SPEC
        if getattr(module, "USES_RATINGS", False):  # a feature from the active team ratings
            coef = dict(conn.execute(
                "select term, value from ml.active_coefficients where model_name = %s",
                [ratings.NAME]).fetchall())  # fmt: skip
            fit_args = (coef,)
            spec += repr(sorted(coef.items()))
        digest = frame_digest(frame, spec)
        if not force and registry.active_digest(conn, name) == digest:
            seconds = time.perf_counter() - started
            registry.record_attempt(conn, name, "unchanged", "input unchanged since the active "
                                    "version", {"rows": len(frame)}, digest, seconds=seconds,
                                    run_id=run_id)  # fmt: skip
            conn.commit()
            return ModelOutcome(name, "unchanged", seconds, reason="input unchanged")
        try:
            fit = module.fit(frame, *fit_args)
            version = registry.save_version(conn, name, fit, digest, run_id)
        except InsufficientData as exc:
            seconds = time.perf_counter() - started
            registry.record_attempt(conn, name, "insufficient_data", exc.reason, exc.counts,
                                    digest, seconds=seconds, run_id=run_id)  # fmt: skip
            conn.commit()
            return ModelOutcome(name, "insufficient_data", seconds, None, exc.reason, exc.counts)
        except Exception as exc:
            conn.rollback()
            seconds = time.perf_counter() - started
            registry.record_attempt(conn, name, "failed", f"{type(exc).__name__}: {exc}", {},
                                    digest, seconds=seconds, run_id=run_id)  # fmt: skip
            conn.commit()
            return ModelOutcome(name, "failed", seconds, None, f"{type(exc).__name__}: {exc}")
        seconds = time.perf_counter() - started
        registry.record_attempt(conn, name, "trained", "", {"rows": fit.training_rows,
                                "games": fit.games}, digest, version, seconds, run_id)  # fmt: skip
        conn.commit()
        return ModelOutcome(name, "trained", seconds, version, "", {}, fit.training_rows,
                            fit.metrics)  # fmt: skip


def train(
    url: str,
    names: list[str] | None = None,
    force: bool = False,
    schema: str = "public",
    progress: Callable[[str], None] | None = None,
    run_id: int | None = None,
) -> TrainReport:
    """Train `names` (default: every model), then refresh the ML views."""
    started = time.perf_counter()
    unknown = sorted(set(names or []) - set(MODELS))
    if unknown:
        raise ValueError(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
    outcomes = []
    for name in names or list(MODELS):
        if progress:
            progress(f"training {name} ...")
        outcome = train_one(url, MODELS[name], schema, force, run_id)
        outcomes.append(outcome)
        if progress:
            progress(
                f"{name}: {outcome.outcome} in {outcome.seconds:.2f} s {outcome.reason}".rstrip()
            )
    outcomes.append(simulate_playoffs(url, schema, run_id))
    if progress:
        progress(f"playoff_odds: {outcomes[-1].outcome} {outcomes[-1].reason}".rstrip())
    with psycopg.connect(url, autocommit=True) as conn:
        refreshed = registry.refresh_views(conn, progress)
    return TrainReport(outcomes, refreshed, time.perf_counter() - started)


def simulate_playoffs(url: str, schema: str, run_id: int | None) -> ModelOutcome:
    """The playoff Monte Carlo with the active ratings (every run: the schedule may have moved
    without the ratings changing); recorded as an attempt of `playoff_odds`."""
    started = time.perf_counter()
    name = "playoff_odds"
    with psycopg.connect(url) as conn:
        version = conn.execute(
            "select version from ml.model_versions where model_name = %s and is_active",
            [ratings.NAME],
        ).fetchone()
        try:
            odds = playoffs.run(conn, schema, version[0]) if version else None
        except Exception as exc:
            conn.rollback()
            reason = f"{type(exc).__name__}: {exc}"
            registry.record_attempt(conn, name, "failed", reason, {}, run_id=run_id)
            conn.commit()
            return ModelOutcome(name, "failed", time.perf_counter() - started, reason=reason)
        seconds = time.perf_counter() - started
        if odds is None:
            reason = (
                "no trained game_outcome ratings"
                if not version
                else "no regular season with two teams in the schedule"
            )
            registry.record_attempt(conn, name, "insufficient_data", reason, {}, seconds=seconds,
                                    run_id=run_id)  # fmt: skip
            conn.commit()
            return ModelOutcome(name, "insufficient_data", seconds, reason=reason)
        counts = {"teams": len(odds.table), "simulations": odds.simulations, "spots": odds.spots,
                  "simulation_seconds": round(odds.seconds, 3)}  # fmt: skip
        registry.record_attempt(conn, name, "trained", "", counts, None, version[0], seconds,
                                run_id)  # fmt: skip
        conn.commit()
        return ModelOutcome(name, "trained", seconds, version[0], "", counts)
