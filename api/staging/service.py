"""The staging service: the 16 raw workbook tables and posted tracking, written through the loaders.

Every table and column name in a request is looked up in `loaders.tables.WORKBOOK_SHEETS` (the
allow-list) before it gets near SQL; the SQL then uses the allow-listed spelling, quoted, and
values are always bound parameters. Rows are written by `load_workbook_rows` (validation, COPY,
lineage, source 'api'); update and clear, which the loaders have no verb for, take the loaders'
workbook lock and record a raw.loads row like a load does.
"""

from __future__ import annotations

import hashlib

import msgspec
import psycopg
from psycopg import sql

from api.errors import ApiError, bad_request
from api.loading import invalid_content, with_connection
from api.settings import ApiSettings
from api.staging import structs
from loaders import store
from loaders.core import LoadError
from loaders.tables import WORKBOOK_SHEETS, SheetSpec
from loaders.workbook import cell_text, spec_for

# The loaders' workbook lock (loaders.store): writes to raw.blb_* tables serialise.
WORKBOOK_LOCK = store._WORKBOOK_LOCK


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


def column_name(spec: SheetSpec, name: str) -> str | None:
    """The documented column a request names (exact spelling or a documented alias), or None."""
    return name if name in spec.columns else spec.aliases.get(name)


def unknown_columns(spec: SheetSpec, rows: list[dict]) -> list[str]:
    names = {c for row in rows for c in row}
    return sorted(
        c
        for c in names
        if not c.strip().lower().endswith("_")
        and spec.aliases.get(c.strip().lower(), c.strip().lower()) not in spec.columns
    )


def _record_load(
    conn: psycopg.Connection, spec: SheetSpec, outcome: str, reason: str, rows: int
) -> int:
    label = f"api:{spec.name}"
    return conn.execute(
        """
        insert into raw.loads (kind, source, file_path, file_name, table_name, outcome, reason, row_counts)
        values ('workbook_rows', 'api', %s, %s, %s, %s, %s, %s::jsonb)
        returning load_id
        """,
        [
            label,
            label,
            spec.table,
            outcome,
            reason,
            msgspec.json.encode({spec.table: rows}).decode(),
        ],
    ).fetchone()[0]


class StagingService:
    def __init__(self, pool, settings: ApiSettings):
        self.pool = pool
        self.settings = settings

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
        from loaders.workbook_load import load_workbook_rows

        spec = table_spec(request.table_name)
        unknown = unknown_columns(spec, request.data)
        if unknown:
            raise ApiError(
                422,
                "unknown_columns",
                f"{spec.name} has no column(s): {', '.join(unknown)}",
                [{"field": "data", "values": unknown}],
            )
        if not request.data:
            raise ApiError(
                422,
                "empty_data",
                f"no rows for {spec.name}; to empty the table use DELETE /api/staging/blb-tables/{spec.name}?confirm=true",
            )

        def write(conn: psycopg.Connection) -> structs.UploadResult:
            with conn.transaction():
                before = 0
                if request.replace:
                    # The count and the swap share the transaction: the figure is what was removed.
                    conn.execute("select pg_advisory_xact_lock(%s, 0)", [WORKBOOK_LOCK])
                    before = conn.execute(
                        sql.SQL("select count(*) from {}").format(sql.Identifier("raw", spec.table))
                    ).fetchone()[0]
                outcome = load_workbook_rows(conn, spec.name, request.data, replace=request.replace)
            return structs.UploadResult(
                table_name=spec.name,
                rows_inserted=outcome.tables[spec.name],
                rows_deleted=before,
                load_id=outcome.load_id,
                warnings=outcome.warnings,
            )

        try:
            return await with_connection(self.settings, write)
        except LoadError as exc:
            raise invalid_content(exc, "invalid_rows") from None

    async def update(self, request: structs.UpdateRows) -> structs.UpdateResult:
        spec = table_spec(request.table_name)
        filter_column = column_name(spec, request.filter_column)
        columns = {name: column_name(spec, name) for name in request.updates}
        unknown = sorted(
            name
            for name, found in [(request.filter_column, filter_column), *columns.items()]
            if found is None
        )
        if unknown:
            raise ApiError(
                422,
                "unknown_columns",
                f"{spec.name} has no column(s): {', '.join(unknown)}",
                [{"field": "filter_column/updates", "values": unknown}],
            )
        assignments = [(columns[name], cell_text(value)) for name, value in request.updates.items()]
        match_value = cell_text(request.filter_value)
        table = sql.Identifier("raw", spec.table)
        condition = (
            sql.SQL("{} is null").format(sql.Identifier(filter_column))
            if match_value is None
            else sql.SQL("{} = %s").format(sql.Identifier(filter_column))
        )
        statement = sql.SQL(
            "update {} set {}, load_id = %s, source = 'api', file_name = %s, file_sha256 = %s,"
            " loaded_at = now() where {}"
        ).format(
            table,
            sql.SQL(", ").join(
                sql.SQL("{} = %s").format(sql.Identifier(column)) for column, _ in assignments
            ),
            condition,
        )
        digest = hashlib.sha256(msgspec.json.encode(request)).hexdigest()

        def write(conn: psycopg.Connection) -> structs.UpdateResult:
            with conn.transaction():
                conn.execute("select pg_advisory_xact_lock(%s, 0)", [WORKBOOK_LOCK])
                load_id = _record_load(
                    conn, spec, "updated", f"rows where {filter_column} = {match_value!r}", 0
                )
                params = [value for _, value in assignments]
                params += [load_id, f"api:{spec.name}", digest]
                if match_value is not None:
                    params.append(match_value)
                updated = conn.execute(statement, params).rowcount
                if updated == 0:  # nothing written: no load to record
                    conn.execute("delete from raw.loads where load_id = %s", [load_id])
                    return structs.UpdateResult(spec.name, 0, None)
                conn.execute(
                    "update raw.loads set row_counts = %s::jsonb where load_id = %s",
                    [msgspec.json.encode({spec.table: updated}).decode(), load_id],
                )
                return structs.UpdateResult(spec.name, updated, load_id)

        return await with_connection(self.settings, write)

    async def clear(self, table_name: str, confirm: bool) -> structs.ClearResult:
        spec = table_spec(table_name)
        if not confirm:
            raise bad_request(
                "confirmation_required",
                f"clearing {spec.name} needs confirm=true",
                [False],
                "confirm",
            )

        def write(conn: psycopg.Connection) -> structs.ClearResult:
            with conn.transaction():
                conn.execute("select pg_advisory_xact_lock(%s, 0)", [WORKBOOK_LOCK])
                deleted = conn.execute(
                    sql.SQL("delete from {}").format(sql.Identifier("raw", spec.table))
                ).rowcount
                conn.execute(
                    "delete from raw.load_warnings where game_id is null and table_name = %s",
                    [spec.table],
                )
                _record_load(conn, spec, "cleared", "table cleared through the API", deleted)
            return structs.ClearResult(spec.name, deleted)

        return await with_connection(self.settings, write)

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
        return structs.TrackingResult(
            game_id=game_id,
            outcome=outcome.outcome,
            reason=outcome.reason,
            events=outcome.events,
            shifts=outcome.shifts,
            event_players=outcome.event_players,
            warnings=outcome.warnings,
            load_id=outcome.load_id,
        )
