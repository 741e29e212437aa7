"""Games endpoints: parse, authorise, call the service.

The tracking upload sits in its own controller so only it takes bodies up to
BENCHSIGHT_MAX_UPLOAD_BYTES; every other endpoint keeps the API's small body limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, delete, get, post, put
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from api.auth.middleware import requires
from api.deps import ApiKeyId, service_dependency, with_upload_limit
from api.games import structs
from api.games.service import GamesService, UploadedFile
from api.runs.service import RunsService
from api.settings import ApiSettings


def provide_games_service(state: State) -> GamesService:
    return GamesService(
        state.pool, state.settings, RunsService(state.pool, state.queue, state.settings)
    )


Service = NamedDependency[GamesService]
GamePath = Annotated[int, FromPath]
DEPENDENCIES = service_dependency(provide_games_service)


@dataclass
class TrackingForm:
    file: UploadFile
    """The tracker export: JSON (`<game>.json`) or xlsx (`<game>_tracking.xlsx`)."""


class GamesController(Controller):
    path = "/api/games"
    tags = ["games"]  # noqa: RUF012 (Litestar reads these class attributes)
    dependencies = DEPENDENCIES
    guards = [requires("read")]  # noqa: RUF012 (Litestar reads these class attributes)

    @get("/")
    async def list_games(
        self,
        service: Service,
        season_id: Annotated[str | None, QueryParameter(max_length=100)] = None,
        team_id: Annotated[str | None, QueryParameter(max_length=100)] = None,
        status: FromQuery[structs.TrackingStatus | None] = None,
        grade: FromQuery[structs.Grade | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
        cursor: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> structs.GamePage:
        """Scheduled and tracked games by game id; pass `next_cursor` back as `cursor`.
        `status` and `grade` are as of the last build (`not_built`: loaded, never built)."""
        return await service.list_games(limit, season_id, team_id, status, grade, cursor)

    @get("/{game_id:int}")
    async def detail(self, game_id: GamePath, service: Service) -> structs.GameDetail:
        """The schedule row, the tracking files seen, the grade and the last build."""
        return await service.detail(game_id)

    @get("/{game_id:int}/status")
    async def status(self, game_id: GamePath, service: Service) -> structs.GameStatus:
        """Tracking status, grade with reasons, goals tracked vs official, last load, last build."""
        return await service.status(game_id)

    @post("/", status_code=HTTP_201_CREATED, guards=[requires("run")])
    async def create(
        self, data: JSONBody[dict[str, Any]], service: Service
    ) -> structs.ScheduleWrite:
        """Add a schedule row (dim_schedule columns; `game_id` required; source 'api')."""
        return await service.create(data)

    @put("/{game_id:int}", guards=[requires("run")])
    async def update(
        self, game_id: GamePath, data: JSONBody[dict[str, Any]], service: Service
    ) -> structs.ScheduleWrite:
        """Change a schedule row: the given columns replace the stored ones, the rest stay."""
        return await service.update(game_id, data)

    @delete("/{game_id:int}", status_code=HTTP_200_OK, guards=[requires("admin")])
    async def remove(
        self,
        game_id: GamePath,
        service: Service,
        confirm: FromQuery[bool] = False,
        cascade: FromQuery[bool] = False,
    ) -> structs.GameDeleted:
        """Delete the schedule row (`confirm=true`); with tracking data also `cascade=true`,
        which deletes the game's raw tracker rows in the same transaction."""
        return await service.delete(game_id, confirm, cascade)


class GameTrackingController(Controller):
    path = "/api/games"
    tags = ["games"]  # noqa: RUF012 (Litestar reads these class attributes)
    dependencies = DEPENDENCIES
    guards = [requires("run")]  # noqa: RUF012 (Litestar reads these class attributes)

    @post("/{game_id:int}/tracking", status_code=HTTP_200_OK)
    async def upload_tracking(
        self,
        game_id: GamePath,
        data: Annotated[TrackingForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        service: Service,
        api_key_id: ApiKeyId,
        build: FromQuery[bool] = False,
    ) -> structs.TrackingUpload:
        """Validate and load a tracker export (multipart field `file`) atomically, replacing the
        game's raw tracking. `build=true` queues a single-game build and returns its run."""
        upload = UploadedFile(
            name=data.file.filename or f"{game_id}",
            content_type=data.file.content_type or "",
            data=await data.file.read(),
        )
        return await service.upload_tracking(game_id, upload, build, api_key_id)


def games_routes(settings: ApiSettings) -> list:
    return [GamesController, with_upload_limit(settings, GameTrackingController)]
