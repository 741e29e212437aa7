"""The schema file of the published tables: their DDL read back from the target's catalog.

pg_catalog functions write every definition (types, defaults, keys, indexes, view bodies),
identifiers quoted, so the file recreates the tables as dbt built them. Sync, on a connection
of the caller's: the API's generate-schema calls it in a thread, the worker after a build with
`regenerate_schema`, and the publish copy reads a table's keys and indexes the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import psycopg

from api.upload import structs

RELATIONS = """
    select c.oid, c.relname, quote_ident(n.nspname) || '.' || quote_ident(c.relname),
        c.relkind::text, obj_description(c.oid, 'pg_class')
    from pg_catalog.pg_class as c
    join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
    where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm') and c.relname = any(%s)
    order by c.relkind in ('v', 'm'), case when c.relkind in ('v', 'm') then c.oid::int8 end, c.relname
"""
COLUMNS = """
    select a.attrelid, quote_ident(a.attname), pg_catalog.format_type(a.atttypid, a.atttypmod),
        a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid),
        pg_catalog.col_description(a.attrelid, a.attnum)
    from pg_catalog.pg_attribute as a
    left join pg_catalog.pg_attrdef as d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attrelid = any(%s) and a.attnum > 0 and not a.attisdropped
    order by a.attrelid, a.attnum
"""
CONSTRAINTS = """
    select con.conrelid, quote_ident(con.conname), con.contype::text,
        pg_catalog.pg_get_constraintdef(con.oid, true),
        array(select a.attname from unnest(con.conkey) with ordinality as k(attnum, ord)
              join pg_catalog.pg_attribute as a on a.attrelid = con.conrelid and a.attnum = k.attnum
              order by k.ord)
    from pg_catalog.pg_constraint as con
    where con.conrelid = any(%s) and con.contype in ('p', 'u', 'c', 'f', 'x')
    order by con.conrelid, con.contype = 'f', con.conname
"""
INDEXES = """
    select i.indrelid, pg_catalog.pg_get_indexdef(i.indexrelid)
    from pg_catalog.pg_index as i
    where i.indrelid = any(%s)
        and not exists (select 1 from pg_catalog.pg_constraint as con where con.conindid = i.indexrelid)
    order by i.indrelid, i.indexrelid
"""
VIEWS = (
    "select c.oid, pg_catalog.pg_get_viewdef(c.oid, true) from pg_catalog.pg_class as c"
    " where c.oid = any(%s) and c.relkind in ('v', 'm')"
)


def catalog(conn: psycopg.Connection, schema: str, names: list[str]) -> tuple:
    """(relations, columns, constraints, indexes, views) of the named relations of `schema`."""
    relations = conn.execute(RELATIONS, [schema, names]).fetchall()
    oids = [r[0] for r in relations]
    return (
        relations,
        conn.execute(COLUMNS, [oids]).fetchall(),
        conn.execute(CONSTRAINTS, [oids]).fetchall(),
        conn.execute(INDEXES, [oids]).fetchall(),
        dict(conn.execute(VIEWS, [oids]).fetchall()),
    )


def write_schema(
    conn: psycopg.Connection, schema: str, names: list[str], path: Path
) -> structs.GeneratedSchema:
    """The DDL of the named relations of `schema` (columns, types, defaults, keys, indexes,
    views and comments), written to `path`, where GET /api/upload/schema-file serves it from
    (atomically: a reader never sees half a file)."""
    generated_at = datetime.now(UTC)
    ddl, tables = _render(conn, schema, generated_at, *catalog(conn, schema, names))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(ddl)
    partial.replace(path)
    return structs.GeneratedSchema(
        job_id=f"schema-{generated_at.strftime('%Y%m%dT%H%M%S%fZ')}",
        status="completed",
        result=structs.SchemaResult(schema_file=str(path), tables_generated=len(tables)),
        schema=schema,
        generated_at=generated_at,
        tables=tables,
        ddl=ddl,
    )


def _render(conn, schema, generated_at, relations, columns, constraints, indexes, views):
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
        quoted = conn.execute(
            "select quote_literal(t) from unnest(%s::text[]) with ordinality as u(t, n) order by n",
            [[c[2] for c in comments]],
        ).fetchall()
        lines += [
            f"comment on {kind} {target} is {text[0]};"
            for (kind, target, _), text in zip(comments, quoted, strict=True)
        ]
        lines.append("")
    return "\n".join(lines), summaries
