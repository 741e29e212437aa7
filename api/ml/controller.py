"""ML endpoints: parse, authorise, call the service (answers read from schema ml)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, JSONBody, QueryParameter

from api.auth.middleware import requires
from api.deps import service_dependency
from api.ml import structs
from api.ml.service import GameOutcomeService, MlService, PlayoffService, WinProbabilityService


def provide_ml_service(state: State) -> MlService:
    return MlService(state.pool)


def provide_outcome_service(state: State) -> GameOutcomeService:
    return GameOutcomeService(state.pool)


def provide_playoff_service(state: State) -> PlayoffService:
    return PlayoffService(state.pool)


def provide_win_service(state: State) -> WinProbabilityService:
    return WinProbabilityService(state.pool)


Service = NamedDependency[MlService]
InGame = NamedDependency[WinProbabilityService]
Playoffs = NamedDependency[PlayoffService]
OutcomeService = NamedDependency[GameOutcomeService]


class MlController(Controller):
    path = "/api/ml"
    tags = ["ml"]  # noqa: RUF012 (Litestar reads these class attributes)
    dependencies = {  # noqa: RUF012 (Litestar reads these class attributes)
        **service_dependency(provide_ml_service),
        "outcomes": Provide(provide_outcome_service, sync_to_thread=False),
        "playoffs": Provide(provide_playoff_service, sync_to_thread=False),
        "in_game": Provide(provide_win_service, sync_to_thread=False),
    }
    guards = [requires("read")]  # noqa: RUF012 (Litestar reads these class attributes)

    @get("/models")
    async def models(
        self, service: Service, all_versions: FromQuery[bool] = False
    ) -> structs.ModelCards:
        """Model cards of the active versions (`all_versions=true`: every version kept): data
        window, training rows, features, parameters, coefficients and held-out evaluation."""
        return await service.model_cards(all_versions)

    @get("/health")
    async def health(self, service: Service) -> structs.MlHealth:
        """Which models are trained, stale (data changed, retraining did not succeed), missing or
        refused for insufficient data, and why."""
        return await service.health()

    @post("/predict/game-outcome", status_code=200)
    async def game_outcome(
        self, data: JSONBody[structs.GameOutcomeRequest], outcomes: OutcomeService
    ) -> structs.GameOutcome | structs.Insufficient:
        """Win / draw / loss probabilities, expected goals and the most likely score of a scheduled
        game (`game_id`) or of any two teams (`home_team`, `away_team`: id or name), from the
        active team ratings. Unknown game or team: 404; no trained ratings: `insufficient_data`."""
        return await outcomes.predict(data)

    @get("/predict/playoff-probability")
    async def playoff_probability(
        self,
        playoffs: Playoffs,
        team_id: Annotated[str | None, QueryParameter(max_length=100)] = None,
        season_id: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> list[structs.PlayoffOdds] | structs.Insufficient:
        """Per team of the current season: P(playoffs) from 10,000 seeded simulations of the
        remaining regular-season games with the active ratings, expected points, seed
        distribution, clinched / eliminated. Spots: half the teams (the files hold no playoff
        format). Unknown team or a season not simulated: 404."""
        return await playoffs.odds(team_id, season_id)

    @post("/predict/real-time-win-probability", status_code=200)
    async def real_time_win_probability(
        self, data: JSONBody[structs.WinProbabilityRequest], in_game: InGame
    ) -> structs.WinProbability | structs.Insufficient:
        """P(home win / draw / away win) from a game state (score, period, seconds left in it,
        strength `5v4` as home v away skaters) and the teams' pre-game ratings, from the
        win_probability model fitted on the league's tracked game states. Unknown game or team:
        404; an impossible state: 400; no trained model: `insufficient_data`."""
        return await in_game.predict(data)
