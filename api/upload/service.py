"""The upload / schema service.

"Upload to Supabase" is a run that builds the selected published tables and then publishes them
(api/upload/publish.py: copied to BENCHSIGHT_PUBLISH_URL when one is configured, else the
warehouse is the target): the mode names a group of published models (the marts and QA models
of the dbt project), `pattern` narrows it by name, and the run goes through the runs service
like any other. The schema file is read back from the target's catalog (api/upload/schema.py),
and the raw / ops schemas come from the numbered migrations, applied by `load-schema`.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import anyio

from api.errors import ApiError, bad_request
from api.loading import with_connection
from api.runs.service import RunsService, manifest_index
from api.runs.structs import Run, TriggerOptions, TriggerRequest
from api.settings import ApiSettings
from api.upload import structs
from api.upload.publish import published_models
from api.upload.schema import write_schema
from dbt_project.manifest import ManifestError


def in_mode(mode: str, name: str, folders: tuple[str, ...]) -> bool:
    """all: every published model; dims / facts: by name; qa: the QA models; basic: the league
    marts (workbook-derived dimensions, rosters, standings, basic season stats); tracking: the
    tracking and per-game marts."""
    if mode == "dims":
        return name.startswith("dim_")
    if mode == "facts":
        return name.startswith("fact_")
    if mode == "qa":
        return folders[:1] == ("qa",)
    if mode == "basic":
        return folders[:2] == ("marts", "league")
    if mode == "tracking":
        return folders[:1] == ("marts",) and folders[1:2] in (("tracking",), ("game",))
    return True


def choose_tables(
    published: dict[str, tuple[str, ...]], request: structs.PublishRequest
) -> list[str]:
    """The published tables a request names; [] means every model (a full build). 400s name
    what is wrong: unknown tables, a pattern matching nothing, an empty result."""
    unknown = [t for t in [*request.tables, *request.exclude_tables] if t not in published]
    if unknown:
        raise bad_request(
            "unknown_tables", f"not published tables: {', '.join(unknown)}", unknown, "tables"
        )
    everything = (
        request.mode == "all"
        and not request.tables
        and request.pattern is None
        and not request.exclude_tables
    )
    if everything:
        return []
    chosen = request.tables or sorted(
        n for n, f in published.items() if in_mode(request.mode, n, f)
    )
    if request.pattern is not None:
        chosen = [n for n in chosen if fnmatch.fnmatchcase(n, request.pattern)]
        if not chosen:
            raise bad_request(
                "pattern_matched_nothing",
                f"the pattern {request.pattern!r} matches no published table of mode {request.mode}",
                [request.pattern],
                "pattern",
            )
    chosen = [n for n in chosen if n not in set(request.exclude_tables)]
    if not chosen:
        raise bad_request(
            "empty_selection",
            "no published table is left to build",
            [*request.tables, *request.exclude_tables],
            "tables",
        )
    return sorted(chosen)


class UploadService:
    def __init__(self, pool, settings: ApiSettings, runs: RunsService):
        self.pool = pool
        self.settings = settings
        self.runs = runs

    async def _published(self) -> dict[str, tuple[str, ...]]:
        try:
            index = await anyio.to_thread.run_sync(manifest_index, self.settings)
        except ManifestError as exc:
            raise ApiError(503, "dbt_project_unavailable", str(exc)) from None
        return published_models(index)

    async def to_supabase(self, request: structs.PublishRequest, api_key_id: int | None) -> Run:
        tables = choose_tables(await self._published(), request)
        trigger = TriggerRequest(
            mode="full",
            source="staging",
            tables=tables,
            options=TriggerOptions(
                wipe=request.options.replace,
                upload_to_supabase=True,
                batch_size=request.options.batch_size,
            ),
        )
        run, _ = await self.runs.create_run(trigger, api_key_id=api_key_id)
        return run

    async def generate_schema(self) -> structs.GeneratedSchema:
        """The DDL of the published tables, also written to the schema file."""
        names = sorted(await self._published())
        schema = self.settings.base.db_schema

        return await with_connection(
            self.settings, lambda conn: write_schema(conn, schema, names, self.settings.schema_file)
        )

    async def schema_file(self) -> Path:
        """The last schema file written (by generate-schema or a build with regenerate_schema);
        generated now when there is none yet."""
        if not self.settings.schema_file.is_file():
            await self.generate_schema()
        return self.settings.schema_file

    async def load_schema(self) -> structs.LoadSchemaResult:
        from benchsight.db import DatabaseError, migrate

        try:
            applied = await anyio.to_thread.run_sync(migrate, self.settings.database_url)
        except DatabaseError as exc:
            raise ApiError(409, "migration_refused", str(exc)) from None
        async with self.pool.connection() as conn:
            rows = await (
                await conn.execute("select name from ops.schema_migrations order by version")
            ).fetchall()
        return structs.LoadSchemaResult(applied=list(applied), current=[r[0] for r in rows])
