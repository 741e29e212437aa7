"""Upload / schema endpoints (paths of the older API): parse, authorise, call the service."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import File
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from api.auth.middleware import requires
from api.deps import ApiKeyId, service_dependency
from api.runs.service import RunsService
from api.runs.structs import Job
from api.upload import structs
from api.upload.service import UploadService


def provide_upload_service(state: State) -> UploadService:
    return UploadService(
        state.pool, state.settings, RunsService(state.pool, state.queue, state.settings)
    )


Service = NamedDependency[UploadService]


class UploadController(Controller):
    path = "/api/upload"
    tags = ["upload"]  # noqa: RUF012 (Litestar reads these class attributes)
    dependencies = service_dependency(provide_upload_service)
    guards = [requires("read")]  # noqa: RUF012 (Litestar reads these class attributes)

    @post("/to-supabase", status_code=HTTP_202_ACCEPTED, guards=[requires("run")])
    async def to_supabase(
        self, data: JSONBody[structs.PublishRequest], service: Service, api_key_id: ApiKeyId
    ) -> Job:
        """A run that rebuilds the selected published tables, then publishes them: copied to
        BENCHSIGHT_PUBLISH_URL when one is configured, else the warehouse is the target
        (`published_to: "target"`). `mode` picks a group, `pattern` narrows it by name, `tables`
        names them outright."""
        run = await service.to_supabase(data, api_key_id)
        return await service.runs.started_job(run.run_id)

    @get("/status/{run_id:int}")
    async def status(self, run_id: FromPath[int], service: Service) -> Job:
        """Same as /api/etl/status/{run_id}: with `tables_uploaded` and `rows_uploaded`."""
        return await service.runs.job(run_id)

    @post("/generate-schema", status_code=HTTP_200_OK, guards=[requires("admin")])
    async def generate_schema(
        self, service: Service, data: JSONBody[structs.GenerateSchemaRequest | None] = None
    ) -> structs.GeneratedSchema:
        """The DDL of the published tables as they exist in the target: columns, types,
        defaults, keys, indexes, views and comments; also written to the schema file."""
        return await service.generate_schema()

    @get("/schema-file", media_type="text/sql")
    async def schema_file(self, service: Service) -> File:
        """The schema file generate-schema or a build with `regenerate_schema` last wrote
        (generated now if none was)."""
        return File(
            path=await service.schema_file(),
            filename="benchsight_schema.sql",
            media_type="text/sql; charset=utf-8",
        )

    @post("/load-schema", status_code=HTTP_200_OK, guards=[requires("admin")])
    async def load_schema(self, service: Service) -> structs.LoadSchemaResult:
        """Apply pending migrations (raw, ops, queue schemas); no SQL is pasted by hand."""
        return await service.load_schema()
