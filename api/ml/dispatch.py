"""POST /api/ml/predict {model: NAME, ...}: the architecture document's generic path, dispatched
by name to the same services as the ML endpoints (the rest of the body is that endpoint's request,
a GET endpoint's query parameters as fields)."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Controller, post
from litestar.datastructures import State
from litestar.params import JSONBody

from api.auth.middleware import requires
from api.errors import bad_request


@dataclass(frozen=True)
class Target:
    """An endpoint behind a name: its module, service class and how to call it."""

    module: str
    service: str
    call: Callable[[Any, dict, Any], Awaitable[Any]]  # (service, body, module) -> answer
    endpoint: str


def _with(request: str, method: str) -> Callable[[Any, dict, Any], Awaitable[Any]]:
    """Decode the body as the `request` struct (`module:Name`, or a name in the service's
    module) and call `service.method(req)`."""

    async def call(service, body: dict, module) -> Any:
        where, _, struct = request.rpartition(":")
        req = _decode(body, getattr(importlib.import_module(where) if where else module, struct))
        return await getattr(service, method)(req)

    return call


class _PlayoffQuery(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    team_id: str | None = None
    season_id: str | None = None


class _BreakoutQuery(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    season_id: str | None = None
    limit: int = 10


class _ValueQuery(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    player_ids: str | list[str] | None = None


class _InjuryQuery(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    player_id: str | None = None
    season_id: str | None = None


async def _playoffs(service, body: dict, _module) -> Any:
    q = _decode(body, _PlayoffQuery)
    return await service.odds(q.team_id, q.season_id)


async def _breakouts(service, body: dict, _module) -> Any:
    q = _decode(body, _BreakoutQuery)
    if not 1 <= q.limit <= 500:
        raise bad_request("invalid_limit", "limit must be 1 to 500", [q.limit], "limit")
    return await service.breakouts(q.season_id, q.limit)


async def _value(service, body: dict, module) -> Any:
    q = _decode(body, _ValueQuery)
    ids = ",".join(q.player_ids) if isinstance(q.player_ids, list) else q.player_ids
    return await service.compare(module.parse_player_ids(ids))


async def _injury(_service, body: dict, module) -> Any:
    _decode(body, _InjuryQuery)
    return module.injury_refusal()


TARGETS: dict[str, Target] = {
    "game_outcome": Target("api.ml.service", "GameOutcomeService",
                           _with("api.ml.structs:GameOutcomeRequest", "predict"), "/api/ml/predict/game-outcome"),
    "playoff_probability": Target("api.ml.service", "PlayoffService", _playoffs,
                                  "/api/ml/predict/playoff-probability"),
    "win_probability": Target("api.ml.service", "WinProbabilityService",
                              _with("api.ml.structs:WinProbabilityRequest", "predict"),
                              "/api/ml/predict/real-time-win-probability"),
    "goalie_projection": Target("api.ml.more", "GoalieService",
                                _with("GoalieStatsRequest", "predict"),
                                "/api/ml/predict/goalie-stats"),
    "similar_players": Target("api.ml.more", "SimilarityService",
                              _with("SimilarPlayersRequest", "find"),
                              "/api/ml/find/similar-players"),
    "player_value": Target("api.ml.more", "ValueService", _value, "/api/ml/compare/player-value"),
    "injury_risk": Target("api.ml.more", "GoalieService", _injury, "/api/ml/assess/injury-risk"),
    "player_stats": Target("api.ml.players", "PlayerService",
                           _with("PlayerStatsRequest", "stats"), "/api/ml/predict/player-stats"),
    "player_next_game": Target("api.ml.players", "PlayerService",
                               _with("PlayerNextGameRequest", "next_game"),
                               "/api/ml/predict/player-next-game"),
    "breakout_players": Target("api.ml.players", "PlayerService", _breakouts,
                               "/api/ml/detect/breakout-players"),
    "next_goal_scorer": Target("api.ml.players", "PlayerService",
                               _with("NextGoalRequest", "next_goal"),
                               "/api/ml/predict/next-goal-scorer"),
    "line_chemistry": Target("api.ml.lines", "LineService",
                             _with("LineChemistryRequest", "chemistry"),
                             "/api/ml/predict/line-chemistry"),
    "lineup": Target("api.ml.lines", "LineService", _with("LineupRequest", "lineup"),
                     "/api/ml/optimize/lineup"),
}  # fmt: skip
# The endpoint's last path segment names the same target (goalie-stats, real-time-win-probability).
ALIASES = {t.endpoint.rsplit("/", 1)[1]: name for name, t in TARGETS.items()}


def _decode(body: dict, struct: type) -> Any:
    try:
        return msgspec.convert(body, struct, strict=False)
    except msgspec.ValidationError as exc:
        raise bad_request("invalid_request", f"invalid request for this model: {exc}",
                          [str(exc)], _field(str(exc))) from None  # fmt: skip


def _field(message: str) -> str | None:
    """The field a msgspec message names (`... - at `$.limit``, `unknown field `x``, `missing
    required field `player_id``)."""
    for marker in ("at `$.", "unknown field `", "required field `"):
        if marker in message:
            return message.split(marker, 1)[1].split("`", 1)[0].split(".", 1)[0].split("[", 1)[0]
    return None


def available() -> dict[str, tuple[Target, Any]]:
    """The targets whose module is importable, with the module."""
    found = {}
    for name, target in TARGETS.items():
        try:
            found[name] = (target, importlib.import_module(target.module))
        except ImportError:
            continue
    return found


class MlDispatchController(Controller):
    path = "/api/ml"
    tags = ["ml"]  # noqa: RUF012 (Litestar reads these class attributes)
    guards = [requires("read")]  # noqa: RUF012 (Litestar reads these class attributes)

    @post("/predict", status_code=200)
    async def predict(self, data: JSONBody[dict[str, Any]], state: State) -> Any:
        """The generic prediction path: `{"model": NAME, ...}` with the rest of the body the
        request of that model's endpoint (a GET endpoint's query parameters as fields, e.g.
        `{"model": "player_value", "player_ids": ["P1", "P2"]}`); the answer is that endpoint's
        answer, its errors included. NAME is a model name (game_outcome, playoff_probability,
        win_probability, goalie_projection, similar_players, player_value, injury_risk,
        player_stats, player_next_game, breakout_players, next_goal_scorer, line_chemistry,
        lineup) or the endpoint's last path segment (goalie-stats, real-time-win-probability,
        ...). An unknown or missing name: 400 naming the known ones."""
        targets = available()
        body = dict(data)
        name = body.pop("model", None)
        name = ALIASES.get(name, name) if isinstance(name, str) else None
        if name not in targets:
            known = sorted(targets)
            raise bad_request(
                "unknown_model",
                f"model must be one of {', '.join(known)} (or the endpoint's last path segment); "
                f"got {name!r}",
                known, "model",
            )  # fmt: skip
        target, module = targets[name]
        service = getattr(module, target.service)(state.pool)
        return await target.call(service, body, module)
