"""The ML step of a run: after a successful build (or a run that found nothing to build, or a run
of mode `ml`, which builds nothing), train the models whose input changed (all of them with
`options.retrain`), re-run the playoff simulation and refresh the ML views. Each model is recorded as a node of the run (resource type `ml_model`, its
seconds, training rows and held-out metrics in the message), the refresh as one `ml_refresh` node.

A model that fails keeps its previous active version, so its predictions stay as they were; the
marts the build made stay built. The executor then ends the run `failed`, naming the model.
"""

from __future__ import annotations

import datetime as dt
import json

from dbt_project.runner import NodeResult


class MlStepError(RuntimeError):
    """A model failed to train or the views failed to refresh; the build itself succeeded."""

    def __init__(self, message: str, summary: dict | None = None):
        super().__init__(message)
        self.summary = summary or {}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _has_ml_views(url: str) -> bool:
    import psycopg

    with psycopg.connect(url) as conn:
        return bool(conn.execute("select 1 from pg_matviews where schemaname = 'ml'").fetchone())


def _message(m) -> str:
    if m.outcome != "trained":
        return f"{m.outcome}: {m.reason}".rstrip(": ")
    holdout = m.metrics.get("holdout") or {}
    shown = {k: round(v, 4) for k, v in holdout.items() if isinstance(v, float)}
    return f"trained version {m.version}" + (f"; held-out {json.dumps(shown)}" if shown else "")


def run_ml_step(settings, recorder, claimed) -> dict:
    """Returns the run summary's `ml` entry; raises MlStepError when a model failed."""
    from benchsight.ml.train import train

    options = claimed.options
    if not _has_ml_views(settings.database_url):
        if claimed.mode == "ml":
            raise MlStepError(
                "mode ml: the ML views are not built in this database yet (a full build creates "
                "them from models/ml)"
            )
        if not options.get("retrain"):
            return {}  # a project without the ML views (models/ml not built here): nothing to do
    recorder.step("training the models and refreshing the ML views")
    started = _now()
    try:
        report = train(
            settings.database_url,
            force=bool(options.get("retrain")),
            schema=settings.base.db_schema,
            progress=lambda line: recorder.log("info", "ml", line),
            run_id=recorder.writer.run_id,
        )
    except Exception as exc:
        recorder.on_node_finished(
            NodeResult(
                "ml.refresh",
                "ml_refresh",
                "ml_refresh",
                "error",
                None,
                None,
                f"{type(exc).__name__}: {exc}",
                started,
                _now(),
            )
        )
        raise MlStepError(f"the build succeeded but the ML step failed: {exc}") from exc
    for m in report.models:
        status = {"trained": "success", "failed": "error"}.get(m.outcome, "skipped")
        recorder.on_node_finished(
            NodeResult(
                f"ml.model.{m.name}",
                m.name,
                "ml_model",
                status,
                round(m.seconds, 3),
                m.training_rows,
                _message(m),
                started,
                _now(),
            )
        )
    refresh_seconds = round(sum(s for _, s in report.refreshed), 3)
    recorder.on_node_finished(
        NodeResult(
            "ml.refresh",
            "ml_refresh",
            "ml_refresh",
            "success",
            refresh_seconds,
            len(report.refreshed),
            "refreshed " + ", ".join(f"ml.{n}" for n, _ in report.refreshed),
            started,
            _now(),
        )
    )
    summary = {
        "seconds": round(report.seconds, 3),
        "models": {
            m.name: {"outcome": m.outcome, "version": m.version, "reason": m.reason}
            for m in report.models
        },
        "views_refreshed": [n for n, _ in report.refreshed],
    }
    if report.failed:
        names = ", ".join(f"{m.name} ({m.reason})" for m in report.failed)
        raise MlStepError(f"the build succeeded but training failed for {names}", summary)
    return {"ml": summary}
