"""The ML service: reads only schema ml (the registry and the materialized views)."""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg import AsyncClientCursor, AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from api.errors import bad_request, not_found
from api.ml import structs
from api.ml.structs import Insufficient, ModelBlock
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
# Versions are written once (registry.save_version) and only their is_active flag changes, so
# this digest changes exactly when the cards can.
CARDS_DIGEST_SQL = """
    select md5(coalesce(string_agg(concat_ws(':', model_name, version, trained_at, is_active), ','
                                   order by model_name, version), '')) as digest
    from ml.model_versions
"""
HEALTH_SQL = """
    select n.name, v.version, v.trained_at, v.input_digest as active_digest,
        a.attempted_at, a.outcome, a.reason, a.counts, a.seconds, a.input_digest as attempt_digest
    from unnest(%(names)s::text[]) as n (name)
    left join ml.model_versions as v on v.model_name = n.name and v.is_active
    left join ml.model_attempts as a on a.model_name = n.name
    order by n.name
"""


_cards: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""pool -> {all_versions: (registry digest, cards)}."""


class MlService:
    def __init__(self, pool: AsyncConnectionPool):
        self.pool = pool

    async def model_cards(self, all_versions: bool = False) -> structs.ModelCards:
        """The cards, rebuilt only when the registry changed: they carry every coefficient
        (about 160 kB on a 600-game league, 10 ms to aggregate), and dashboards ask often."""
        cached = _cards.setdefault(self.pool, {})
        async with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(CARDS_DIGEST_SQL)
            digest = (await cur.fetchone())["digest"]
            if digest != cached.get(all_versions, ("", None))[0]:
                await cur.execute(CARDS_SQL, {"all": all_versions})
                rows = await cur.fetchall()
                cards = structs.ModelCards([structs.ModelCard(**r) for r in rows])
                cached[all_versions] = (digest, cards)
        return cached[all_versions][1]

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
    elif attempt is not None and attempt.outcome == "failed":
        state = "stale"
        reason = (
            f"the last training attempt failed ({attempt.reason}); serving version {r['version']}"
        )
    elif attempt is not None and r["attempt_digest"] != r["active_digest"]:
        state = "stale"
        reason = (
            f"the data changed since version {r['version']} and the last training attempt "
            f"ended {attempt.outcome}: {attempt.reason}"
        )
    else:
        state, reason = "trained", ""
    return structs.ModelHealth(r["name"], state, reason, r["version"], r["trained_at"], attempt)


MODEL_SQL = """
    select model_name as name, version, trained_at, training_rows, metrics
    from ml.model_versions where model_name = %s and is_active
"""
ATTEMPT_SQL = "select outcome, reason, counts from ml.model_attempts where model_name = %s"
TEAM_SQL = """
    select team_id, team_name from ml.mv_team_ratings
    where team_id = %(t)s or lower(team_name) = lower(%(t)s)
    order by team_id = %(t)s desc limit 1
"""
GAME_SQL = """
    select game_id, home_team_id, away_team_id, home_team_name, away_team_name,
        home_expected_goals::float8 as home_xg, away_expected_goals::float8 as away_xg,
        p_home_win::float8 as p_home, p_draw::float8 as p_draw, p_away_win::float8 as p_away,
        predicted_home_goals, predicted_away_goals
    from ml.mv_game_predictions where game_id = %s
"""


Query = tuple[str, Sequence[Any] | Mapping[str, Any] | None]


def model_queries(name: str) -> tuple[Query, Query]:
    """The two statements `block` reads: the active version of `name`, its last attempt."""
    return (MODEL_SQL, [name]), (ATTEMPT_SQL, [name])


def block(name: str, active: list[dict], attempts: list[dict]) -> ModelBlock | Insufficient:
    """The active version's block, or why there is none (from the last training attempt)."""
    if active:
        return ModelBlock(**active[0])
    attempt = attempts[0] if attempts else None
    if attempt and attempt["outcome"] == "insufficient_data":
        return Insufficient("insufficient_data", name, attempt["reason"], attempt["counts"])
    reason = f"model {name} has no trained version" + (
        f" (last attempt {attempt['outcome']}: {attempt['reason']})" if attempt else ""
    )
    return Insufficient("insufficient_data", name, reason, {})


async def fetch_sets(conn: AsyncConnection, *queries: Query) -> list[list[dict]]:
    """The rows of each query, all sent in one round trip.

    A round trip costs more than these statements do (about 0.4 ms of wall time, and 1.5 ms of
    the 2 cores' time counting both processes' wake-ups, against 0.03 ms of execution), and an
    ML answer reads the registry and one to four views. So the statements go as one
    simple-protocol message with client-side binding: no server-side prepared statement, which
    a transaction pooler would refuse."""
    async with AsyncClientCursor(conn, row_factory=dict_row) as cur:
        await cur.execute("; ".join(cur.mogrify(sql, params) for sql, params in queries))
        sets = [await cur.fetchall()]
        while cur.nextset():
            sets.append(await cur.fetchall())
    return sets


async def read(
    pool: AsyncConnectionPool, name: str, *queries: Query
) -> tuple[ModelBlock | Insufficient, list[list[dict]]]:
    """Model `name`'s block (or the refusal saying why there is none) and the rows of each query,
    in one round trip. Before the first build the views do not exist: then the refusal, if any,
    is the answer (with an empty set of rows per query)."""
    async with pool.connection() as conn:
        try:
            sets = await fetch_sets(conn, *model_queries(name), *queries)
        except psycopg.errors.UndefinedTable:
            model = block(name, *await fetch_sets(conn, *model_queries(name)))
            if isinstance(model, Insufficient):
                return model, [[] for _ in queries]
            raise
    return block(name, sets[0], sets[1]), sets[2:]


class GameOutcomeService:
    def __init__(self, pool: AsyncConnectionPool):
        self.pool = pool

    async def predict(
        self, req: structs.GameOutcomeRequest
    ) -> structs.GameOutcome | structs.Insufficient:
        from benchsight.ml import ratings

        _require_game_or_teams(req)
        if req.game_id is not None:
            model, (games,) = await read(self.pool, ratings.NAME, (GAME_SQL, [req.game_id]))
        else:
            model, sets = await read(
                self.pool, ratings.NAME, *_team_queries(req),
                (COEFFICIENTS_SQL, [[ratings.NAME]]),
            )  # fmt: skip
        if isinstance(model, structs.Insufficient):
            return model
        if req.game_id is not None:
            if not games:
                raise not_found("game", req.game_id)
            g = games[0]
            probs = {"home_win": g["p_home"], "draw": g["p_draw"], "away_win": g["p_away"],
                     "score": (g["predicted_home_goals"], g["predicted_away_goals"])}  # fmt: skip
            xg = (g["home_xg"], g["away_xg"])
            teams = (g["home_team_id"], g["home_team_name"], g["away_team_id"],
                     g["away_team_name"])  # fmt: skip
        else:
            teams = _teams(req, sets)
            coef = _coefficients(sets[-1])[ratings.NAME]
            xg = ratings.expected_goals(coef, teams[0], teams[2])
            probs = ratings.outcome_probabilities(*xg)
        home_id, home_name, away_id, away_name = teams
        home_favoured = probs["home_win"] >= probs["away_win"]
        return structs.GameOutcome(
            status="ok",
            game_id=req.game_id,
            home_team=home_name,
            away_team=away_name,
            home_team_id=home_id,
            away_team_id=away_id,
            predicted_winner=home_name if home_favoured else away_name,
            win_probability=round(probs["home_win"] if home_favoured else probs["away_win"], 4),
            predicted_score=structs.Score(*probs["score"]),
            probabilities=structs.OutcomeProbabilities(
                round(probs["home_win"], 4), round(probs["draw"], 4), round(probs["away_win"], 4)
            ),
            expected_goals=structs.ExpectedGoals(round(xg[0], 4), round(xg[1], 4)),
            model=model,
        )


ODDS_SQL = """
    select team_id, team_name, playoff_probability, current_standing, season_id, current_points,
        games_played, games_remaining, expected_points, seed_distribution, clinched, eliminated,
        spots, simulations, simulated_at
    from ml.playoff_odds
    order by current_standing, team_id
"""


class PlayoffService:
    def __init__(self, pool: AsyncConnectionPool):
        self.pool = pool

    async def odds(
        self, team_id: str | None, season_id: str | None
    ) -> list[structs.PlayoffOdds] | structs.Insufficient:
        from benchsight.ml import ratings

        model, (everything, attempts) = await read(
            self.pool, ratings.NAME, (ODDS_SQL, None), (ATTEMPT_SQL, ["playoff_odds"])
        )
        if isinstance(model, structs.Insufficient):
            return model
        if not everything:
            reason = attempts[0]["reason"] if attempts else "no simulation has run yet"
            return structs.Insufficient("insufficient_data", "playoff_odds", reason, {})
        if season_id is not None and season_id != everything[0]["season_id"]:
            raise not_found("playoff simulation for season", season_id)
        found = [r for r in everything if team_id is None or r["team_id"] == team_id]
        if not found:
            raise not_found("team in the simulated season", team_id)
        return [structs.PlayoffOdds(**r, model=model) for r in found]


COEFFICIENTS_SQL = """
    select model_name, term, value from ml.active_coefficients where model_name = any(%s)
"""
REGULATION_SQL = """
    select (parameters ->> 'regulation_s')::float8 as regulation_s from ml.model_versions
    where model_name = %s and is_active
"""


class WinProbabilityService:
    def __init__(self, pool: AsyncConnectionPool):
        self.pool = pool

    async def predict(
        self, req: structs.WinProbabilityRequest
    ) -> structs.WinProbability | structs.Insufficient:
        import numpy as np

        from benchsight.ml import ratings, win_probability

        _require_game_or_teams(req)
        model, sets = await read(
            self.pool, win_probability.NAME, *_team_queries(req),
            (COEFFICIENTS_SQL, [[win_probability.NAME, ratings.NAME]]),
            (REGULATION_SQL, [win_probability.NAME]), *model_queries(ratings.NAME),
        )  # fmt: skip
        if isinstance(model, structs.Insufficient):
            return model
        *team_sets, coefficients, regulation_rows, ratings_active, ratings_attempts = sets
        teams = _teams(req, team_sets)
        coef = _coefficients(coefficients)
        if ratings.NAME not in coef:
            ratings_model = block(ratings.NAME, ratings_active, ratings_attempts)
            if isinstance(ratings_model, structs.Insufficient):
                return ratings_model
        regulation = regulation_rows[0]["regulation_s"]
        period_s = regulation / 3
        if req.period <= 3 and req.seconds_remaining > period_s:
            raise bad_request(
                "invalid_state", f"seconds_remaining is more than a period ({period_s:.0f} s)",
                [req.seconds_remaining], "seconds_remaining",
            )  # fmt: skip
        left = (3 - req.period) * period_s + req.seconds_remaining if req.period <= 3 else 0.0
        skaters = [int(n) for n in req.strength.split("v")] if req.strength else [5, 5]
        lam = ratings.expected_goals(coef[ratings.NAME], teams[0], teams[2])
        x = win_probability.features(
            [req.home_score - req.away_score], [skaters[0] - skaters[1]], [left], [regulation],
            [float(np.log(lam[0] / lam[1]))],
        )  # fmt: skip
        p = win_probability.probabilities(coef[win_probability.NAME], x)[0]
        pre = ratings.outcome_probabilities(*lam)
        return structs.WinProbability(
            status="ok",
            game_id=req.game_id,
            home_team=teams[1],
            away_team=teams[3],
            home_win_probability=round(float(p[0]), 4),
            draw_probability=round(float(p[1]), 4),
            away_win_probability=round(float(p[2]), 4),
            seconds_left_in_regulation=left,
            pregame=structs.OutcomeProbabilities(
                round(pre["home_win"], 4), round(pre["draw"], 4), round(pre["away_win"], 4)
            ),
            model=model,
        )


def _require_game_or_teams(req) -> None:
    """A game prediction names a game, or both teams: 400 naming the fields otherwise."""
    if req.game_id is None and not (req.home_team and req.away_team):
        raise bad_request(
            "missing_fields", "give game_id, or both home_team and away_team",
            ["game_id", "home_team", "away_team"], "game_id",
        )  # fmt: skip


def _team_queries(req) -> list[Query]:
    """What `_teams` reads: the scheduled game, or each named team."""
    if req.game_id is not None:
        return [(GAME_SQL, [req.game_id])]
    return [(TEAM_SQL, {"t": req.home_team}), (TEAM_SQL, {"t": req.away_team})]


def _teams(req, sets: list[list[dict]]) -> tuple[str, str, str, str]:
    """(home id, home name, away id, away name) from the rows of `_team_queries`; 404."""
    if req.game_id is not None:
        if not sets[0]:
            raise not_found("game", req.game_id)
        g = sets[0][0]
        return g["home_team_id"], g["home_team_name"], g["away_team_id"], g["away_team_name"]
    found = []
    for field, team, rows in (("home_team", req.home_team, sets[0]),
                              ("away_team", req.away_team, sets[1])):  # fmt: skip
        if not rows:
            raise not_found(f"team ({field})", team)
        found += [rows[0]["team_id"], rows[0]["team_name"]]
    return tuple(found)


def _coefficients(rows: list[dict]) -> dict[str, dict[str, float]]:
    """model -> term -> value, from COEFFICIENTS_SQL's rows."""
    coef: dict[str, dict[str, float]] = {}
    for r in rows:
        coef.setdefault(r["model_name"], {})[r["term"]] = r["value"]
    return coef
