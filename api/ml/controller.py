"""ML endpoints: parse, authorise, call the service (answers read from schema ml)."""

from __future__ import annotations

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromQuery

from api.auth.middleware import requires
from api.deps import service_dependency
from api.ml import structs
from api.ml.service import MlService


def provide_ml_service(state: State) -> MlService:
    return MlService(state.pool)


Service = NamedDependency[MlService]


class MlController(Controller):
    path = "/api/ml"
    tags = ["ml"]  # noqa: RUF012 (Litestar reads these class attributes)
    dependencies = service_dependency(provide_ml_service)
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
