"""The upload / schema service.

In this design dbt builds straight into the target database, so "upload to Supabase" is a build
of the selected published tables: the mode names a group of published models (the marts and QA
models of the dbt project), `pattern` narrows it by name, and the run goes through the runs
service like any other. The schema is read back from the target's catalog (pg_catalog functions
write every definition, identifiers quoted), and the raw / ops schemas come from the numbered
migrations, applied by `load-schema`.
"""

from __future__ import annotations

import fnmatch
from datetime import UTC, datetime

import anyio

from api.errors import ApiError, bad_request
from api.runs.service import RunsService, manifest_index
from api.runs.structs import Run, TriggerOptions, TriggerRequest
from api.settings import ApiSettings
from api.upload import structs
from dbt_project.manifest import ManifestError
from dbt_project.selection import ManifestIndex

PUBLISHED_FOLDERS = ("marts", "qa")


def published_models(index: ManifestIndex) -> dict[str, tuple[str, ...]]:
    """Published model name -> its folder path in the project (fqn without project and name)."""
    return {
        node["name"]: tuple(node["fqn"][1:-1])
        for node in index.nodes.values()
        if node.get("resource_type") == "model"
        and len(node.get("fqn", [])) > 2
        and node["fqn"][1] in PUBLISHED_FOLDERS
    }


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
            options=TriggerOptions(wipe=request.options.replace),
        )
        run, _ = await self.runs.create_run(trigger, api_key_id=api_key_id)
        return run

    async def generate_schema(self) -> structs.GeneratedSchema:
        schema = self.settings.base.db_schema
        names = sorted(await self._published())
        async with self.pool.connection() as conn:
            relations = await (
                await conn.execute(
                    """
                    select c.oid, c.relname, quote_ident(n.nspname) || '.' || quote_ident(c.relname),
                        c.relkind::text, obj_description(c.oid, 'pg_class')
                    from pg_catalog.pg_class as c
                    join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
                    where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm') and c.relname = any(%s)
                    order by c.relkind in ('v', 'm'), case when c.relkind in ('v', 'm') then c.oid::int8 end, c.relname
                    """,
                    [schema, names],
                )
            ).fetchall()
            oids = [r[0] for r in relations]
            columns = await (
                await conn.execute(
                    """
                    select a.attrelid, quote_ident(a.attname), pg_catalog.format_type(a.atttypid, a.atttypmod),
                        a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid),
                        pg_catalog.col_description(a.attrelid, a.attnum)
                    from pg_catalog.pg_attribute as a
                    left join pg_catalog.pg_attrdef as d on d.adrelid = a.attrelid and d.adnum = a.attnum
                    where a.attrelid = any(%s) and a.attnum > 0 and not a.attisdropped
                    order by a.attrelid, a.attnum
                    """,
                    [oids],
                )
            ).fetchall()
            constraints = await (
                await conn.execute(
                    """
                    select con.conrelid, quote_ident(con.conname), con.contype::text,
                        pg_catalog.pg_get_constraintdef(con.oid, true),
                        array(select a.attname from unnest(con.conkey) with ordinality as k(attnum, ord)
                              join pg_catalog.pg_attribute as a on a.attrelid = con.conrelid and a.attnum = k.attnum
                              order by k.ord)
                    from pg_catalog.pg_constraint as con
                    where con.conrelid = any(%s) and con.contype in ('p', 'u', 'c', 'f', 'x')
                    order by con.conrelid, con.contype = 'f', con.conname
                    """,
                    [oids],
                )
            ).fetchall()
            indexes = await (
                await conn.execute(
                    """
                    select i.indrelid, pg_catalog.pg_get_indexdef(i.indexrelid)
                    from pg_catalog.pg_index as i
                    where i.indrelid = any(%s)
                        and not exists (select 1 from pg_catalog.pg_constraint as con where con.conindid = i.indexrelid)
                    order by i.indrelid, i.indexrelid
                    """,
                    [oids],
                )
            ).fetchall()
            views = dict(
                await (
                    await conn.execute(
                        "select c.oid, pg_catalog.pg_get_viewdef(c.oid, true) from pg_catalog.pg_class as c"
                        " where c.oid = any(%s) and c.relkind in ('v', 'm')",
                        [oids],
                    )
                ).fetchall()
            )
        generated_at = datetime.now(UTC)
        ddl, tables = await self._render(
            schema, generated_at, relations, columns, constraints, indexes, views
        )
        return structs.GeneratedSchema(
            schema=schema, generated_at=generated_at, tables=tables, ddl=ddl
        )

    async def _render(self, schema, generated_at, relations, columns, constraints, indexes, views):
        by_relation: dict[int, list] = {}
        for row in columns:
            by_relation.setdefault(row[0], []).append(row[1:])
        keys: dict[int, list] = {}
        for row in constraints:
            keys.setdefault(row[0], []).append(row[1:])
        relation_indexes: dict[int, list[str]] = {}
        for relid, definition in indexes:
            relation_indexes.setdefault(relid, []).append(definition)
        comments: list[tuple[str, str, str]] = []  # (object kind, target, text)
        lines = [
            f"-- Published tables of schema {schema} as they exist in the target database.",
            f"-- Generated {generated_at.isoformat(timespec='seconds')} from the catalog; "
            "built by dbt, so apply it only to an empty schema.",
            "",
        ]
        summaries = []
        for oid, name, qualified, kind, comment in relations:
            cols = by_relation.get(oid, [])
            if kind in ("v", "m"):
                verb = "create materialized view" if kind == "m" else "create or replace view"
                lines += [f"{verb} {qualified} as", views[oid].rstrip().rstrip(";") + ";", ""]
            else:
                body = []
                for col_name, col_type, not_null, default, _ in cols:
                    parts = [f"    {col_name} {col_type}"]
                    if default is not None:
                        parts.append(f"default {default}")
                    if not_null:
                        parts.append("not null")
                    body.append(" ".join(parts))
                lines += [f"create table {qualified} (", ",\n".join(body), ");"]
                for con_name, _, definition, _ in keys.get(oid, []):
                    lines.append(
                        f"alter table only {qualified} add constraint {con_name} {definition};"
                    )
                lines += [f"{d};" for d in relation_indexes.get(oid, [])]
                lines.append("")
            target_kind = {"v": "view", "m": "materialized view"}.get(kind, "table")
            if comment:
                comments.append((target_kind, qualified, comment))
            for col_name, _, _, _, col_comment in cols:
                if col_comment:
                    comments.append(("column", f"{qualified}.{col_name}", col_comment))
            summaries.append(
                structs.SchemaTable(
                    name=name,
                    kind={"r": "table", "p": "table", "v": "view", "m": "materialized view"}[kind],
                    columns=len(cols),
                    primary_key=next((c[3] for c in keys.get(oid, []) if c[1] == "p"), []),
                    indexes=len(relation_indexes.get(oid, []))
                    + sum(1 for c in keys.get(oid, []) if c[1] in ("p", "u", "x")),
                )
            )
        if comments:
            async with self.pool.connection() as conn:
                quoted = await (
                    await conn.execute(
                        "select quote_literal(t) from unnest(%s::text[]) with ordinality as u(t, n) order by n",
                        [[c[2] for c in comments]],
                    )
                ).fetchall()
            lines += [
                f"comment on {kind} {target} is {text[0]};"
                for (kind, target, _), text in zip(comments, quoted, strict=True)
            ]
            lines.append("")
        return "\n".join(lines), summaries

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
