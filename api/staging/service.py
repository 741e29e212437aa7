"""The staging service: the 16 raw workbook tables and posted tracking, written by the loaders.

Every table and column name in a request is looked up in `loaders.tables.WORKBOOK_SHEETS` (the
allow-list) before anything is written, so a wrong name is a 400 / 422 naming it, and values are
always bound parameters. Rows are written by `load_workbook_rows`, edits by
`update_workbook_rows` and `clear_workbook_table`, a game by `load_tracking_document`: each one
transaction with its raw.loads row and lineage (source 'api'), like a file's load.
"""

from __future__ import annotations

from psycopg import sql

from api.errors import ApiError, bad_request
from api.loading import invalid_content, tracking_load_fields, unknown_columns, with_connection
from api.settings import ApiSettings
from api.staging import structs
from loaders.core import LoadError
from loaders.tables import WORKBOOK_SHEETS, SheetSpec
from loaders.workbook import spec_for, undocumented_columns
from loaders.workbook_load import clear_workbook_table, load_workbook_rows, update_workbook_rows


def table_spec(name: str) -> SheetSpec:
    spec = spec_for(name)
    if spec is None:
        raise bad_request(
            "unknown_table",
            f"{name!r} is not one of the workbook tables: "
            + ", ".join(s.name for s in WORKBOOK_SHEETS),
            [name],
            "table_name",
        )
    return spec


class StagingService:
    def __init__(self, pool, settings: ApiSettings):
        self.pool = pool
        self.settings = settings

    @staticmethod
    def table_names() -> list[str]:
        return [spec.name for spec in WORKBOOK_SHEETS]

    async def list_tables(self) -> structs.StagingTableList:
        counts = sql.SQL(" union all ").join(
            sql.SQL("select {}::text, count(*) from {}").format(
                sql.Literal(spec.name), sql.Identifier("raw", spec.table)
            )
            for spec in WORKBOOK_SHEETS
        )
        async with self.pool.connection() as conn:
            found = dict(await (await conn.execute(counts)).fetchall())
        return structs.StagingTableList(
            tables=[
                structs.StagingTable(
                    table_name=spec.name,
                    raw_table=f"raw.{spec.table}",
                    rows=found[spec.name],
                    key=list(spec.key),
                    columns=list(spec.columns),
                )
                for spec in WORKBOOK_SHEETS
            ]
        )

    async def upload(self, request: structs.UploadRows) -> structs.UploadResult:
        spec = table_spec(request.table_name)
        unknown = undocumented_columns(spec, (column for row in request.data for column in row))
        if unknown:
            raise unknown_columns(spec.name, unknown, "data")
        if not request.data:
            raise ApiError(
                422,
                "empty_data",
                f"no rows for {spec.name}; to empty the table use DELETE /api/staging/blb-tables/{spec.name}?confirm=true",
            )
        try:
            outcome = await with_connection(
                self.settings,
                lambda conn: load_workbook_rows(
                    conn, spec.name, request.data, replace=request.replace
                ),
            )
        except LoadError as exc:
            raise invalid_content(exc, "invalid_rows") from None
        return structs.UploadResult(
            table_name=spec.name,
            rows_inserted=outcome.tables[spec.name],
            rows_updated=0,
            errors=[],
            rows_deleted=outcome.deleted.get(spec.name, 0),
            load_id=outcome.load_id,
            warnings=outcome.warnings,
        )

    async def update(self, request: structs.UpdateRows) -> structs.UpdateResult:
        spec = table_spec(request.table_name)
        unknown = sorted(
            name for name in (request.filter_column, *request.updates) if spec.column(name) is None
        )
        if unknown:
            raise unknown_columns(spec.name, unknown, "filter_column/updates")
        outcome = await with_connection(
            self.settings,
            lambda conn: update_workbook_rows(
                conn, spec.name, request.filter_column, request.filter_value, request.updates
            ),
        )
        return structs.UpdateResult(spec.name, outcome.tables[spec.name], outcome.load_id)

    async def clear(self, table_name: str, confirm: bool) -> structs.ClearResult:
        spec = table_spec(table_name)
        if not confirm:
            raise bad_request(
                "confirmation_required",
                f"clearing {spec.name} needs confirm=true",
                [False],
                "confirm",
            )
        outcome = await with_connection(
            self.settings, lambda conn: clear_workbook_table(conn, spec.name)
        )
        return structs.ClearResult(spec.name, outcome.deleted[spec.name])

    async def upload_tracking(self, document: dict) -> structs.TrackingResult:
        from loaders.tracking import load_tracking_document

        raw_id = document.get("game_id", document.get("gameId"))
        try:
            game_id = int(str(raw_id).strip())
            if isinstance(raw_id, bool) or not 0 < game_id < 2**31:
                raise ValueError
        except ValueError:
            raise ApiError(
                422,
                "validation_error",
                f"game_id is required, a whole number; got {raw_id!r}",
                [{"field": "game_id", "values": [raw_id]}],
            ) from None
        try:
            outcome = await with_connection(
                self.settings,
                lambda conn: load_tracking_document(
                    conn, document, game_id=game_id, label=f"api:staging/tracking/{game_id}"
                ),
            )
        except LoadError as exc:
            raise invalid_content(exc, "invalid_tracking") from None
        fields = tracking_load_fields(outcome)
        loaded = fields["outcome"] in ("loaded", "replaced")
        return structs.TrackingResult(
            game_id=game_id,
            events_inserted=(fields["events"] or 0) if loaded else 0,
            shifts_inserted=(fields["shifts"] or 0) if loaded else 0,
            errors=[],
            **fields,
        )
