"""The games service: the schedule and tracking as raw holds them, quality as the last build saw it.

Reading joins three layers and says which answer comes from where: the schedule and the tracking
files are read from `raw` (what was loaded, live), grade / tracking status / tracked goals from
the published `fact_game_status` (as of the last build), and the last build from the runs store
(with `stale` when the game's tracking changed since). Writing goes through the loaders only
(`loaders.games` for the schedule row and deletes, `load_tracking_document` / `load_posted_game`
for tracker files), each atomic under the game's lock and with source 'api'; a check the loader
answers (already scheduled, not scheduled, tracked) becomes the HTTP error here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import msgspec
from psycopg import sql
from psycopg.rows import dict_row

from api.deps import decode_cursor, encode_cursor
from api.errors import ApiError, bad_request, conflict, not_found
from api.games import structs
from api.loading import invalid_content, tracking_load_fields, unknown_columns, with_connection
from api.runs.service import RunsService
from api.runs.structs import TriggerRequest
from api.settings import ApiSettings
from loaders import store
from loaders.core import LoadError
from loaders.games import SCHEDULE, add_scheduled_game, change_scheduled_game, delete_game
from loaders.workbook import undocumented_columns

CURSOR_PREFIX = "g"
JSON_TYPES = ("application/json", "text/json")
XLSX_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/zip",
)
UNTYPED = ("application/octet-stream", "")
SCHEDULE_SQL = """
    select distinct on (btrim(s.game_id)::int)
        btrim(s.game_id)::int as game_id, s.season_id, s.date, s.home_team_id, s.away_team_id,
        s.home_team_name, s.away_team_name, s.schedule_type,
        case when btrim(s.home_total_goals) ~ '^[0-9]{1,4}$' then btrim(s.home_total_goals)::int end
            as home_goals_official,
        case when btrim(s.away_total_goals) ~ '^[0-9]{1,4}$' then btrim(s.away_total_goals)::int end
            as away_goals_official
    from raw.blb_dim_schedule as s
    where btrim(s.game_id) ~ '^[0-9]{1,9}$'
    order by btrim(s.game_id)::int, s.load_id desc
"""
EMPTY_PUBLISHED = sql.SQL(
    "select null::int as game_id, null::text as tracking_status, null::text as grade,"
    " null::text[] as reasons, null::int as home_goals_tracked, null::int as away_goals_tracked"
    " where false"
)


@dataclass(frozen=True)
class UploadedFile:
    name: str
    content_type: str
    data: bytes


def posted_game_id(row: dict) -> int:
    value = row.get("game_id")
    if isinstance(value, bool) or value is None:
        raise ApiError(422, "validation_error", "game_id is required (a whole number)")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ApiError(
            422, "validation_error", f"game_id must be a whole number, got {value!r}"
        ) from None
    if not 0 < number < 2**31:
        raise ApiError(422, "validation_error", f"game_id {number} is out of range")
    return number


class GamesService:
    def __init__(self, pool, settings: ApiSettings, runs: RunsService):
        self.pool = pool
        self.settings = settings
        self.runs = runs

    # ------------------------------------------------------------------ reading
    async def _published(self, conn) -> sql.Composable:
        """The published fact_game_status, or an empty stand-in before the first build."""
        schema = self.settings.base.db_schema
        found = await (
            await conn.execute(
                "select to_regclass(format('%%I.%%I', %s::text, 'fact_game_status')) is not null",
                [schema],
            )
        ).fetchone()
        if not found[0]:
            return EMPTY_PUBLISHED
        return sql.SQL(
            "select game_id, tracking_status, grade, reasons, home_goals_tracked,"
            " away_goals_tracked from {}"
        ).format(sql.Identifier(schema, "fact_game_status"))

    async def _games_query(self, conn) -> sql.Composed:
        return sql.SQL(
            """
            with sched as ({schedule}),
            tracked as (select game_id, file_sha256 from raw.tracker_games),
            pub as ({published}),
            ids as (select game_id from sched union select game_id from tracked)
            select i.game_id, s.season_id, s.date, s.home_team_id, s.away_team_id,
                s.home_team_name, s.away_team_name, s.schedule_type, s.home_goals_official,
                s.away_goals_official, s.game_id is not null as is_scheduled,
                t.game_id is not null as has_tracking,
                case
                    when t.game_id is null then 'untracked'
                    when p.tracking_status is null or p.tracking_status = 'untracked' then 'not_built'
                    else p.tracking_status
                end as tracking_status,
                case when t.game_id is not null then p.grade end as grade,
                case when t.game_id is not null then coalesce(p.reasons, '{{}}') else '{{}}' end
                    as reasons,
                case when t.game_id is not null then p.home_goals_tracked end as home_goals_tracked,
                case when t.game_id is not null then p.away_goals_tracked end as away_goals_tracked
            from ids as i
            left join sched as s on s.game_id = i.game_id
            left join tracked as t on t.game_id = i.game_id
            left join pub as p on p.game_id = i.game_id
            """
        ).format(schedule=sql.SQL(SCHEDULE_SQL), published=await self._published(conn))

    async def list_games(
        self,
        limit: int,
        season_id: str | None,
        team_id: str | None,
        status: str | None,
        grade: str | None,
        cursor: str | None,
    ) -> structs.GamePage:
        conditions, params = [], []
        if season_id is not None:
            conditions.append(sql.SQL("season_id = %s"))
            params.append(season_id)
        if team_id is not None:
            conditions.append(sql.SQL("(home_team_id = %s or away_team_id = %s)"))
            params += [team_id, team_id]
        if status is not None:
            conditions.append(sql.SQL("tracking_status = %s"))
            params.append(status)
        if grade is not None:
            conditions.append(sql.SQL("grade = %s"))
            params.append(grade)
        if cursor is not None:
            conditions.append(sql.SQL("game_id > %s"))
            params.append(decode_cursor(CURSOR_PREFIX, cursor))
        where = (
            sql.SQL(" where ") + sql.SQL(" and ").join(conditions) if conditions else sql.SQL("")
        )
        async with self.pool.connection() as conn:
            query = sql.SQL("select * from ({}) as g{} order by game_id limit %s").format(
                await self._games_query(conn), where
            )
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(query, [*params, limit + 1])
            rows = await cur.fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        return structs.GamePage(
            games=[_summary(r) for r in rows],
            next_cursor=encode_cursor(CURSOR_PREFIX, rows[-1]["game_id"])
            if more and rows
            else None,
        )

    async def _game_row(self, conn, game_id: int) -> dict | None:
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(
            sql.SQL("select * from ({}) as g where game_id = %s").format(
                await self._games_query(conn)
            ),
            [game_id],
        )
        return await cur.fetchone()

    async def _schedule_row(self, conn, game_id: int) -> dict | None:
        row = await (
            await conn.execute(
                "select to_jsonb(s) - 'sheet' - 'row_number' - 'file_sha256' from raw.blb_dim_schedule as s"
                " where btrim(s.game_id) = %s order by s.load_id desc limit 1",
                [str(game_id)],
            )
        ).fetchone()
        return row[0] if row else None

    async def _last_build(self, game_id: int) -> structs.LastBuild | None:
        row = await self.runs.store.last_game_build(game_id)
        return structs.LastBuild(*row) if row else None

    async def detail(self, game_id: int) -> structs.GameDetail:
        async with self.pool.connection() as conn:
            game = await self._game_row(conn, game_id)
            if game is None:
                raise not_found("game", game_id)
            schedule = await self._schedule_row(conn, game_id)
            files = await (
                await conn.execute(
                    """
                    select file_name, source, source_format, version, exported_at, event_count,
                        shift_count, event_player_count, chosen, reason, seen_at
                    from raw.tracking_files where game_id = %s
                    order by chosen desc, seen_at desc, file_seen_id desc
                    """,
                    [game_id],
                )
            ).fetchall()
        last_build = await self._last_build(game_id)
        return structs.GameDetail(
            game_id=game_id,
            schedule=schedule,
            tracking_files=[structs.TrackingFile(*f) for f in files],
            tracking_status=game["tracking_status"],
            grade=game["grade"],
            reasons=list(game["reasons"] or []),
            last_build=last_build,
        )

    async def status(self, game_id: int) -> structs.GameStatus:
        async with self.pool.connection() as conn:
            game = await self._game_row(conn, game_id)
            if game is None:
                raise not_found("game", game_id)
            load = await (
                await conn.execute(
                    "select load_id, source, file_name, outcome, reason, finished_at, row_counts"
                    " from raw.loads where kind = 'tracking' and game_id = %s"
                    " order by load_id desc limit 1",
                    [game_id],
                )
            ).fetchone()
        last_build = await self._last_build(game_id)
        goals = [
            game["home_goals_official"],
            game["away_goals_official"],
            game["home_goals_tracked"],
            game["away_goals_tracked"],
        ]
        return structs.GameStatus(
            game_id=game_id,
            is_scheduled=game["is_scheduled"],
            has_tracking=game["has_tracking"],
            tracking_status=game["tracking_status"],
            grade=game["grade"],
            reasons=list(game["reasons"] or []),
            goals=structs.Goals(
                *goals,
                matches=(goals[0], goals[1]) == (goals[2], goals[3]) if None not in goals else None,
            ),
            last_load=structs.LastLoad(*load) if load else None,
            last_build=last_build,
        )

    # ------------------------------------------------------------------ schedule rows
    def _check_columns(self, row: dict) -> None:
        unknown = undocumented_columns(SCHEDULE, row)
        if unknown:
            raise unknown_columns(SCHEDULE.name, unknown, "body")

    async def create(self, row: dict) -> structs.ScheduleWrite:
        self._check_columns(row)
        game_id = posted_game_id(row)
        return await self._write(
            game_id,
            lambda conn: add_scheduled_game(conn, game_id, row, label=f"api:games/{game_id}"),
            conflict("game_exists", f"game {game_id} is already in the schedule"),
        )

    async def update(self, game_id: int, changes: dict) -> structs.ScheduleWrite:
        self._check_columns(changes)
        if "game_id" in changes and posted_game_id(changes) != game_id:
            raise conflict(
                "game_id_mismatch",
                f"the body's game_id {changes['game_id']} is not the path's {game_id}",
            )
        return await self._write(
            game_id,
            lambda conn: change_scheduled_game(
                conn, game_id, changes, label=f"api:games/{game_id}"
            ),
            not_found("game", game_id),
        )

    async def _write(self, game_id: int, write, refused: ApiError) -> structs.ScheduleWrite:
        """Run a schedule write; `refused` is the error when the loader declines (None)."""
        try:
            outcome = await with_connection(self.settings, write)
        except LoadError as exc:
            raise invalid_content(exc, "invalid_row") from None
        if outcome is None:
            raise refused
        async with self.pool.connection() as conn:
            schedule = await self._schedule_row(conn, game_id)
        return structs.ScheduleWrite(
            game_id=game_id,
            outcome=outcome.outcome,
            load_id=outcome.load_id,
            warnings=outcome.warnings,
            schedule=schedule or {},
        )

    async def delete(self, game_id: int, confirm: bool, cascade: bool) -> structs.GameDeleted:
        if not confirm:
            raise bad_request(
                "confirmation_required",
                f"deleting game {game_id} needs confirm=true",
                [False],
                "confirm",
            )
        result = await with_connection(
            self.settings, lambda conn: delete_game(conn, game_id, with_tracking=cascade)
        )
        if not result.found:
            raise not_found("game", game_id)
        if not result.deleted:
            raise conflict(
                "has_tracking_data",
                f"game {game_id} has tracking data; pass cascade=true to delete it too",
            )
        return structs.GameDeleted(game_id, result.schedule_rows, result.tracking_rows)

    # ------------------------------------------------------------------ tracking upload
    async def upload_tracking(
        self, game_id: int, upload: UploadedFile, build: bool, api_key_id: int | None
    ) -> structs.TrackingUpload:
        content_type = upload.content_type.split(";")[0].strip().lower()
        if content_type not in (*JSON_TYPES, *XLSX_TYPES, *UNTYPED):
            raise ApiError(
                415,
                "unsupported_media_type",
                f"a tracker export is JSON or xlsx, not {content_type}",
                [{"field": "file", "values": [content_type]}],
            )
        if not upload.data:
            raise ApiError(422, "empty_file", f"{upload.name} is empty")
        is_xlsx = upload.data[:4] == b"PK\x03\x04"
        if is_xlsx and content_type in JSON_TYPES:
            raise ApiError(
                415, "unsupported_media_type", f"{upload.name} is declared JSON but is a zip/xlsx"
            )
        if not is_xlsx and content_type in XLSX_TYPES:
            raise ApiError(
                415, "unsupported_media_type", f"{upload.name} is declared xlsx but is not one"
            )
        label = f"api:game/{game_id}/{upload.name}"
        if is_xlsx:
            result = await self._load_xlsx(game_id, upload, label)
        else:
            result = await self._load_json(game_id, upload, label)
        return await self._after_load(game_id, upload.name, result, build, api_key_id)

    async def _load_json(self, game_id: int, upload: UploadedFile, label: str):
        from loaders.tracking import load_tracking_document

        try:
            document = msgspec.json.decode(upload.data)
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
            # msgspec raises the last two itself: bytes that are not UTF-8, nesting too deep.
            raise ApiError(
                422, "invalid_json", f"{upload.name} is not valid JSON ({exc})"
            ) from None
        if not isinstance(document, dict) or not (
            ("gameId" in document or "game_id" in document) and "events" in document
        ):
            raise ApiError(
                422,
                "not_a_tracker_export",
                f"{upload.name} is not a tracker export (it needs gameId and events)",
            )
        written = document.get("gameId", document.get("game_id"))
        if str(written).strip() != str(game_id):
            raise conflict(
                "game_id_mismatch", f"{upload.name} is game {written}, the path says {game_id}"
            )
        try:
            return await with_connection(
                self.settings,
                lambda conn: load_tracking_document(conn, document, game_id=game_id, label=label),
            )
        except LoadError as exc:
            raise invalid_content(exc, "invalid_tracker_file") from None

    async def _load_xlsx(self, game_id: int, upload: UploadedFile, label: str):
        from loaders.tracker_xlsx import parse_tracker_xlsx
        from loaders.tracking import load_posted_game

        try:
            game = parse_tracker_xlsx(upload.data, upload.name)
        except LoadError as exc:
            raise invalid_content(exc, "not_a_tracker_export") from None
        if game.game_id != game_id:
            raise conflict(
                "game_id_mismatch", f"{upload.name} is game {game.game_id}, the path says {game_id}"
            )
        sha256 = hashlib.sha256(upload.data).hexdigest()
        # Named like a posted JSON game (loaders.tracking.load_tracking_document): api:game/<id>/<file>.
        return await with_connection(
            self.settings, lambda conn: load_posted_game(conn, game, sha256, label=label)
        )

    async def _after_load(
        self, game_id: int, file_name: str, result, build: bool, api_key_id: int | None
    ) -> structs.TrackingUpload:
        run = None
        if build:
            run, _ = await self.runs.create_run(
                TriggerRequest(mode="single", game_ids=[game_id]), api_key_id=api_key_id
            )
        async with self.pool.connection() as conn:
            game = await self._game_row(conn, game_id)
        last_build = await self._last_build(game_id)
        changed = result.outcome in (store.LOADED, store.REPLACED)
        stale = changed or last_build is None or last_build.stale
        if run is not None:
            note = (
                f"build queued as run {run.run_id}; the grade here is the last build's. "
                f"GET /api/games/{game_id}/status once the run has succeeded"
            )
        elif stale:
            note = "stale: the grade is the last build's and does not describe this file yet; upload with build=true or trigger a build"
        else:
            note = "current: the last build used this file"
        return structs.TrackingUpload(
            game_id=game_id,
            file_name=file_name,
            source_format=result.source_format,
            version=result.version,
            **tracking_load_fields(result),
            is_scheduled=bool(game and game["is_scheduled"]),
            grade=structs.GradeAfterLoad(
                grade=game["grade"] if game else None,
                reasons=list(game["reasons"] or []) if game else [],
                built_at=last_build.built_at if last_build else None,
                stale=stale,
                note=note,
            ),
            build=run,
        )


def _summary(row: dict) -> structs.GameSummary:
    return structs.GameSummary(
        game_id=row["game_id"],
        season_id=row["season_id"],
        date=row["date"],
        home_team_id=row["home_team_id"],
        away_team_id=row["away_team_id"],
        home_team_name=row["home_team_name"],
        away_team_name=row["away_team_name"],
        schedule_type=row["schedule_type"],
        home_goals_official=row["home_goals_official"],
        away_goals_official=row["away_goals_official"],
        is_scheduled=row["is_scheduled"],
        has_tracking=row["has_tracking"],
        tracking_status=row["tracking_status"],
        grade=row["grade"],
    )
