"""Runs endpoints: parse, authorise, call the service.

The seed paths (trigger, status, history, cancel) answer the seed reference's shapes (`Job`:
`job_id`, status pending | running | completed | failed | cancelled, history as a list); the
project's paths (/runs/...) answer `Run` in the project's vocabulary. store.SEED_STATUS maps one
to the other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from litestar import Controller, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.response import File, Response, ServerSentEvent
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from api.auth.middleware import requires
from api.deps import ApiKeyId, service_dependency
from api.runs import structs
from api.runs.events import run_events
from api.runs.service import RunsService
from api.runs.store import RunStatus, statuses_named


def provide_runs_service(state: State) -> RunsService:
    return RunsService(state.pool, state.queue, state.settings)


Limit = Annotated[int, QueryParameter(ge=1, le=500, description="page size")]
Service = NamedDependency[RunsService]


class RunsController(Controller):
    path = "/api/etl"
    tags = ["runs"]  # noqa: RUF012 (Litestar reads these class attributes)
    dependencies = service_dependency(provide_runs_service)
    guards = [requires("read")]  # noqa: RUF012 (Litestar reads these class attributes)

    @post("/trigger", status_code=HTTP_202_ACCEPTED, guards=[requires("run")])
    async def trigger(
        self,
        data: JSONBody[structs.TriggerRequest],
        service: Service,
        api_key_id: ApiKeyId,
        on_conflict: FromQuery[Literal["queue", "reject"]] = "queue",
        idempotency_key: Annotated[
            str | None, HeaderParameter(name="Idempotency-Key", max_length=200)
        ] = None,
    ) -> structs.Job:
        """Queue a pipeline run. A second build queues behind the running one, or gets 409 with
        `on_conflict=reject`. The same `Idempotency-Key` returns the same run. The answer
        waits up to 2 s for an idle worker to pick the run up, so it says `running` as the
        seed's does; a run queued behind another build answers `pending`."""
        run, _ = await service.create_run(
            data, idempotency_key, on_conflict == "reject", api_key_id=api_key_id
        )
        return await service.started_job(run.run_id)

    @get("/status/{run_id:int}")
    async def status(self, run_id: FromPath[int], service: Service) -> structs.Job:
        """A run in the seed's shape: status, progress (nodes done / nodes selected), errors, result."""
        return await service.job(run_id)

    @get("/runs/{run_id:int}")
    async def run(self, run_id: FromPath[int], service: Service) -> structs.Run:
        """A run in the project's own vocabulary (queued, succeeded, cancelling, ...)."""
        return await service.get(run_id)

    @get("/history")
    async def history(
        self,
        service: Service,
        limit: Limit = 10,
        status: FromQuery[structs.AnyStatus | None] = None,
        mode: FromQuery[structs.Mode | None] = None,
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> Response[list[structs.Job]]:
        """Runs, newest first, as a list (the seed's shape); `status` takes the seed's words or
        the project's. The next page's cursor is in the `X-Next-Cursor` header."""
        statuses = statuses_named(status) if status is not None else []
        rows, next_cursor = await service.history_rows(limit, statuses, mode, since, until, cursor)
        headers = {"X-Next-Cursor": next_cursor} if next_cursor else {}
        return Response([structs.job_from_row(r) for r in rows], headers=headers)

    @get("/runs")
    async def runs(
        self,
        service: Service,
        limit: Limit = 50,
        status: FromQuery[RunStatus | None] = None,
        mode: FromQuery[structs.Mode | None] = None,
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> structs.RunPage:
        """Runs, newest first, in the project's vocabulary; pass `next_cursor` back as `cursor`."""
        statuses = [status] if status is not None else []
        return await service.history(limit, statuses, mode, since, until, cursor)

    @get("/logs/{run_id:int}")
    async def logs(
        self,
        run_id: FromPath[int],
        service: Service,
        after: Annotated[int, QueryParameter(ge=0)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=5000)] = 500,
    ) -> structs.LogPage:
        """Log lines after the id `after`, oldest first; `next_after` continues."""
        return await service.logs(run_id, after, limit)

    @get("/runs/{run_id:int}/events")
    async def events(
        self,
        run_id: FromPath[int],
        state: State,
        service: Service,
        last_event_id: Annotated[int | None, HeaderParameter(name="Last-Event-ID", ge=0)] = None,
    ) -> ServerSentEvent:
        """Live Server-Sent Events: `progress`, `node`, `log`, then `end` with the final run."""
        await service.get(run_id)
        return ServerSentEvent(run_events(state.settings.queue_url, run_id, last_event_id or 0))

    @get("/runs/{run_id:int}/steps")
    async def steps(self, run_id: FromPath[int], service: Service) -> structs.StepList:
        """One row per dbt node: name, type, status, seconds, rows, message."""
        return await service.steps(run_id)

    @get("/runs/{run_id:int}/artifacts/{name:str}", media_type="application/json")
    async def artifact(self, run_id: FromPath[int], name: FromPath[str], service: Service) -> File:
        """dbt's run_results.json or manifest.json of that run."""
        path = await service.artifact(run_id, name)
        return File(
            path=path,
            filename=name,
            media_type="application/json",
            content_disposition_type="inline",
        )

    @post("/cancel/{run_id:int}", status_code=HTTP_200_OK, guards=[requires("run")])
    async def cancel(self, run_id: FromPath[int], service: Service) -> structs.Job:
        """Queued: cancelled at once. Running: dbt is interrupted (killed after a grace period)
        and the run ends `cancelled`; the answer waits a few seconds for that. A finished run is 409."""
        return await service.cancel(run_id)

    @post("/retry/{run_id:int}", status_code=HTTP_202_ACCEPTED, guards=[requires("run")])
    async def retry(
        self,
        run_id: FromPath[int],
        service: Service,
        start_from: Annotated[Literal["failure", "start"], QueryParameter(name="from")] = "failure",
    ) -> structs.Run:
        """A new run linked to the old one: from=failure re-runs what failed (dbt retry),
        from=start repeats the whole request."""
        return await service.retry(run_id, start_from)

    @get("/schedules")
    async def schedules(self, service: Service) -> structs.ScheduleList:
        """Periodic builds (cron, UTC)."""
        return await service.schedules()

    @put("/schedules/{name:str}", guards=[requires("admin")])
    async def put_schedule(
        self, name: FromPath[str], data: JSONBody[structs.ScheduleUpdate], service: Service
    ) -> structs.Schedule:
        """Create or change a periodic build."""
        return await service.put_schedule(name, data)
