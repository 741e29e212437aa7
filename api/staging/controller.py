"""Staging endpoints (paths of the older API): parse, authorise, call the service.

The two uploads (a whole table's rows, a whole game's events and shifts) sit in their own
controller so only they take bodies up to BENCHSIGHT_MAX_UPLOAD_BYTES.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, delete, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK

from api.auth.middleware import requires
from api.deps import service_dependency, with_upload_limit
from api.settings import ApiSettings
from api.staging import structs
from api.staging.service import StagingService


def provide_staging_service(state: State) -> StagingService:
    return StagingService(state.pool, state.settings)


Service = NamedDependency[StagingService]
DEPENDENCIES = service_dependency(provide_staging_service)


class StagingController(Controller):
    path = "/api/staging"
    tags = ["staging"]  # noqa: RUF012 (Litestar reads these class attributes)
    dependencies = DEPENDENCIES
    guards = [requires("read")]  # noqa: RUF012 (Litestar reads these class attributes)

    @get("/blb-tables/list")
    async def list_names(self, service: Service) -> list[str]:
        """The names of the 16 workbook tables (the seed's shape); /blb-tables has the details."""
        return service.table_names()

    @get("/blb-tables")
    async def list_tables(self, service: Service) -> structs.StagingTableList:
        """The 16 workbook tables with their row counts, key and columns."""
        return await service.list_tables()

    @put("/blb-tables/update", guards=[requires("run")])
    async def update(
        self, data: JSONBody[structs.UpdateRows], service: Service
    ) -> structs.UpdateResult:
        """Set `updates` on the rows whose `filter_column` equals `filter_value`."""
        return await service.update(data)

    @delete("/blb-tables/{table_name:str}", status_code=HTTP_200_OK, guards=[requires("admin")])
    async def clear(
        self, table_name: FromPath[str], service: Service, confirm: FromQuery[bool] = False
    ) -> structs.ClearResult:
        """Empty the table (needs `confirm=true`)."""
        return await service.clear(table_name, confirm)


class StagingUploadController(Controller):
    path = "/api/staging"
    tags = ["staging"]  # noqa: RUF012 (Litestar reads these class attributes)
    dependencies = DEPENDENCIES
    guards = [requires("run")]  # noqa: RUF012 (Litestar reads these class attributes)

    @post("/blb-tables/upload", status_code=HTTP_200_OK)
    async def upload(
        self, data: JSONBody[structs.UploadRows], service: Service
    ) -> structs.UploadResult:
        """Rows for one table, validated against its columns (unknown columns: 422 listing
        them); `replace` swaps the table's rows in one transaction, otherwise they are appended."""
        return await service.upload(data)

    @post("/tracking/upload", status_code=HTTP_200_OK)
    async def upload_tracking(
        self, data: JSONBody[dict[str, Any]], service: Service
    ) -> structs.TrackingResult:
        """A game's tracking in the tracker JSON shape ({game_id, events, shifts, ...}):
        validated like a file and replacing the game's raw tracking rows atomically."""
        return await service.upload_tracking(data)


def staging_routes(settings: ApiSettings) -> list:
    return [StagingController, with_upload_limit(settings, StagingUploadController)]
