"""Reads only the portal needs, beside the domain APIs: a game's shots (the shot map), its box
score, and a page of a staging table's rows. Read scope; the same error body as every endpoint.

They read the published marts (fact_shots, fact_player_game_stats, dim_player) and the raw
workbook tables, naming tables and columns only from fixed lists (never from the request).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get
from litestar.datastructures import State
from litestar.params import FromPath, QueryParameter
from msgspec import Struct
from psycopg import errors, sql

from api.auth.middleware import requires
from api.errors import ApiError
from api.staging.service import table_spec

SHOT_COLUMNS = (
    "shot_id", "period", "game_seconds", "venue", "team_id", "shooter_player_id", "outcome",
    "shot_type", "x", "y", "distance_ft", "danger_points",
)  # fmt: skip
XG_VIEW = (
    "select to_regclass('ml.mv_shot_xg') is not null and exists (select 1 from pg_attribute"
    " where attrelid = to_regclass('ml.mv_shot_xg') and attname = 'xg')"
)
BOX_COLUMNS = (
    "player_id", "team_id", "venue", "position", "goals", "assists", "points", "shots",
    "sog", "plus_minus", "pim", "toi_seconds",
)  # fmt: skip


class Shots(Struct):
    game_id: int
    shots: list[dict[str, Any]]
    """One per attempt: x, y in feet (centre ice 0, the shooting team attacking right)."""


class BoxScore(Struct):
    game_id: int
    columns: list[str]
    players: list[dict[str, Any]]


class Rows(Struct):
    table_name: str
    columns: list[str]
    total: int
    offset: int
    rows: list[dict[str, Any]]


async def _columns(conn, schema: str, table: str) -> list[str]:
    rows = await (
        await conn.execute(
            "select column_name from information_schema.columns"
            " where table_schema = %s and table_name = %s order by ordinal_position",
            [schema, table],
        )
    ).fetchall()
    return [r[0] for r in rows]


async def _built_columns(
    conn, schema: str, table: str, columns: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    """The built table's columns and, in the given order, which of `columns` it has; 404
    not_built when the build has not made the table."""
    present = await _columns(conn, schema, table)
    if not present:
        raise _not_built(table)
    return present, [c for c in columns if c in present]


def _not_built(table: str) -> ApiError:
    return ApiError(
        404, "not_built", f"{table} is not built yet: run a build first (Pipeline, Trigger)"
    )


class PortalDataController(Controller):
    path = "/api/portal"
    tags = ["portal"]  # noqa: RUF012 (Litestar reads these class attributes)
    guards = [requires("read")]  # noqa: RUF012 (Litestar reads these class attributes)

    @get("/games/{game_id:int}/shots")
    async def shots(self, state: State, game_id: FromPath[int]) -> Shots:
        """The game's shot attempts for the shot map (fact_shots)."""
        schema = state.settings.base.db_schema
        async with state.pool.connection() as conn:
            present, wanted = await _built_columns(conn, schema, "fact_shots", SHOT_COLUMNS)
            # xG from the ML model's view when one is trained (ml.mv_shot_xg), else null.
            scored = (await (await conn.execute(XG_VIEW)).fetchone())[0]
            query = sql.SQL(
                "select {}, {} from {} as s {} where s.game_id = %s order by s.period, {}"
            ).format(
                sql.SQL(", ").join(sql.Identifier("s", c) for c in wanted),
                sql.SQL("x.xg::float8" if scored else "null::float8"),
                sql.Identifier(schema, "fact_shots"),
                sql.SQL("left join ml.mv_shot_xg as x on x.shot_id = s.shot_id")
                if scored
                else sql.SQL(""),
                sql.Identifier("s", "game_seconds" if "game_seconds" in present else "shot_id"),
            )
            wanted = [*wanted, "xg"]
            cursor = await conn.execute(query, [game_id])
            rows = await cursor.fetchall()
        return Shots(game_id, [_jsonable(dict(zip(wanted, r, strict=True))) for r in rows])

    @get("/games/{game_id:int}/box-score")
    async def box_score(self, state: State, game_id: FromPath[int]) -> BoxScore:
        """Each player's line of the game (fact_player_game_stats), named from dim_player."""
        schema = state.settings.base.db_schema
        async with state.pool.connection() as conn:
            _, wanted = await _built_columns(conn, schema, "fact_player_game_stats", BOX_COLUMNS)
            named = "player_full_name" in await _columns(conn, schema, "dim_player")
            query = sql.SQL(
                "select {}, {} from {} as s {} where s.game_id = %s"
                " order by s.venue, s.goals desc nulls last, s.player_id"
            ).format(
                sql.SQL(", ").join(sql.Identifier("s", c) for c in wanted),
                sql.SQL("p.player_full_name" if named else "null::text"),
                sql.Identifier(schema, "fact_player_game_stats"),
                sql.SQL("left join {} as p on p.player_id = s.player_id").format(
                    sql.Identifier(schema, "dim_player")
                )
                if named
                else sql.SQL(""),
            )
            rows = await (await conn.execute(query, [game_id])).fetchall()
        columns = ["player_name", *wanted]
        return BoxScore(
            game_id,
            columns,
            [_jsonable(dict(zip(columns, (r[-1], *r[:-1]), strict=True))) for r in rows],
        )

    @get("/staging/{table_name:str}/rows")
    async def staging_rows(
        self,
        state: State,
        table_name: FromPath[str],
        offset: Annotated[int, QueryParameter(ge=0, le=10_000_000)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    ) -> Rows:
        """A page of a workbook table's staged rows, in load order."""
        spec = table_spec(table_name)
        columns = list(spec.columns)
        raw = sql.Identifier("raw", spec.table)
        async with state.pool.connection() as conn:
            present = set(await _columns(conn, "raw", spec.table))
            columns = [c for c in columns if c in present]
            order = [c for c in spec.key if c in present] or columns[:1]
            try:
                count = sql.SQL("select count(*) from {}").format(raw)
                total = (await (await conn.execute(count)).fetchone())[0]
                # In key order, so an edited row stays where it was.
                query = sql.SQL("select {} from {} order by {} offset %s limit %s").format(
                    sql.SQL(", ").join(map(sql.Identifier, columns)),
                    raw,
                    sql.SQL(", ").join(map(sql.Identifier, order)),
                )
                rows = await (await conn.execute(query, [offset, limit])).fetchall()
            except errors.UndefinedTable:
                raise _not_built(f"raw.{spec.table}") from None
        return Rows(
            spec.name, columns, total, offset, [dict(zip(columns, r, strict=True)) for r in rows]
        )


def _jsonable(row: dict) -> dict:
    from decimal import Decimal

    return {k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()}
