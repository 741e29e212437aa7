"""The ML service: reads only schema ml (the registry and the materialized views)."""

from __future__ import annotations

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from api.ml import structs
from benchsight.ml.train import MODELS

CARDS_SQL = """
    select v.model_name as name, v.version, v.trained_at, v.is_active, v.data_from, v.data_to,
        v.games, v.training_rows, v.features, v.parameters, v.metrics, v.notes as description,
        coalesce((select jsonb_object_agg(c.term, c.value) from ml.model_coefficients as c
                  where c.model_name = v.model_name and c.version = v.version), '{}') as coefficients
    from ml.model_versions as v
    where v.is_active or %(all)s
    order by v.model_name, v.version desc
"""
HEALTH_SQL = """
    select n.name, v.version, v.trained_at, v.input_digest as active_digest,
        a.attempted_at, a.outcome, a.reason, a.counts, a.seconds, a.input_digest as attempt_digest
    from unnest(%(names)s::text[]) as n (name)
    left join ml.model_versions as v on v.model_name = n.name and v.is_active
    left join ml.model_attempts as a on a.model_name = n.name
    order by n.name
"""


class MlService:
    def __init__(self, pool: AsyncConnectionPool):
        self.pool = pool

    async def model_cards(self, all_versions: bool = False) -> structs.ModelCards:
        async with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(CARDS_SQL, {"all": all_versions})
            return structs.ModelCards([structs.ModelCard(**r) for r in await cur.fetchall()])

    async def health(self) -> structs.MlHealth:
        async with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(HEALTH_SQL, {"names": list(MODELS)})
            models = [_model_health(r) for r in await cur.fetchall()]
        healthy = all(m.state == "trained" for m in models)
        return structs.MlHealth("healthy" if healthy else "degraded", models)


def _model_health(r: dict) -> structs.ModelHealth:
    attempt = (
        structs.Attempt(r["attempted_at"], r["outcome"], r["reason"], r["counts"], r["seconds"])
        if r["attempted_at"]
        else None
    )
    if r["version"] is None:
        if attempt is None:
            state, reason = "missing", "never trained: run `benchsight ml train` after a build"
        elif attempt.outcome == "insufficient_data":
            state, reason = "insufficient_data", attempt.reason
        else:
            state, reason = "failed" if attempt.outcome == "failed" else "missing", attempt.reason
    elif attempt is not None and r["attempt_digest"] != r["active_digest"]:
        state = "stale"
        reason = (
            f"the data changed since version {r['version']} and the last training attempt "
            f"ended {attempt.outcome}: {attempt.reason}"
        )
    else:
        state, reason = "trained", ""
    return structs.ModelHealth(r["name"], state, reason, r["version"], r["trained_at"], attempt)
