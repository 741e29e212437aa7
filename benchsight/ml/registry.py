"""Every write to schema `ml`: model versions (cards), coefficients, training attempts, and the
refresh of the materialized views dbt builds there (models/ml/)."""

from __future__ import annotations

import json
import math
from datetime import date

from psycopg import sql

from benchsight.ml.base import FitResult

# Views that read other ML views come after them; any other view in schema ml follows, by name.
REFRESH_ORDER = (
    "mv_shot_xg",
    "mv_player_game_xg",
    "mv_team_game_xg",
    "mv_goalie_game_xg",
    "mv_team_ratings",
    "mv_player_projections",  # read by the other mv_player_* views of player_projection
)


def _json(value) -> str:
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        if isinstance(v, date):
            return v.isoformat()
        if hasattr(v, "item"):  # numpy scalars
            return clean(v.item())
        return v

    return json.dumps(clean(value))


def save_version(conn, name: str, fit: FitResult, digest: str, run_id: int | None = None) -> int:
    """Store a new version of `name` with its coefficients and make it the active one (in the
    caller's transaction). Returns the version number."""
    # One trainer of a model at a time (the CLI and the worker may overlap).
    conn.execute("select pg_advisory_xact_lock(hashtext('benchsight.ml:' || %s))", [name])
    version = conn.execute(
        "select coalesce(max(version), 0) + 1 from ml.model_versions where model_name = %s",
        [name],
    ).fetchone()[0]
    conn.execute("update ml.model_versions set is_active = false where model_name = %s", [name])
    conn.execute(
        """insert into ml.model_versions (model_name, version, is_active, data_from, data_to, games,
            training_rows, input_digest, features, parameters, metrics, notes, run_id)
        values (%s, %s, true, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        [
            name, version, fit.data_from, fit.data_to, fit.games, fit.training_rows, digest,
            _json(fit.features), _json(fit.parameters), _json(fit.metrics), fit.notes, run_id,
        ],
    )  # fmt: skip
    with conn.cursor() as cur:
        cur.executemany(
            "insert into ml.model_coefficients (model_name, version, term, value) "
            "values (%s, %s, %s, %s)",
            [(name, version, term, float(value)) for term, value in fit.coefficients.items()],
        )
    return version


def record_attempt(
    conn,
    name: str,
    outcome: str,
    reason: str = "",
    counts: dict | None = None,
    digest: str | None = None,
    version: int | None = None,
    seconds: float | None = None,
    run_id: int | None = None,
) -> None:
    conn.execute(
        """insert into ml.model_attempts (model_name, attempted_at, outcome, reason, counts,
            input_digest, version, seconds, run_id)
        values (%s, now(), %s, %s, %s, %s, %s, %s, %s)
        on conflict (model_name) do update set attempted_at = excluded.attempted_at,
            outcome = excluded.outcome, reason = excluded.reason, counts = excluded.counts,
            input_digest = coalesce(excluded.input_digest, ml.model_attempts.input_digest),
            version = coalesce(excluded.version, ml.model_attempts.version),
            seconds = excluded.seconds, run_id = excluded.run_id""",
        [name, outcome, reason, _json(counts or {}), digest, version, seconds, run_id],
    )


def active_digest(conn, name: str) -> str | None:
    row = conn.execute(
        "select input_digest from ml.model_versions where model_name = %s and is_active", [name]
    ).fetchone()
    return row[0] if row else None


def ml_views(conn) -> list[str]:
    """The materialized views in schema ml, in refresh order."""
    names = [
        r[0]
        for r in conn.execute(
            "select matviewname from pg_matviews where schemaname = 'ml' order by matviewname"
        ).fetchall()
    ]
    first = [n for n in REFRESH_ORDER if n in names]
    return first + [n for n in names if n not in first]


def refresh_views(conn, progress=None, only=None) -> list[tuple[str, float]]:
    """REFRESH MATERIALIZED VIEW CONCURRENTLY each ML view (readers keep the old rows until the
    new ones commit; a view never populated is refreshed plainly), or those of `only` that exist.
    Autocommit connection."""
    import time

    done = []
    for name in [n for n in ml_views(conn) if only is None or n in only]:
        started = time.perf_counter()
        populated = conn.execute(
            "select ispopulated from pg_matviews where schemaname = 'ml' and matviewname = %s",
            [name],
        ).fetchone()[0]
        how = sql.SQL("concurrently ") if populated else sql.SQL("")
        conn.execute(
            sql.SQL("refresh materialized view {}{}").format(how, sql.Identifier("ml", name))
        )
        seconds = time.perf_counter() - started
        done.append((name, seconds))
        if progress:
            progress(f"refreshed ml.{name} in {seconds:.2f} s")
    return done
