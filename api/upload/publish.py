"""Publishing the published tables (the marts and QA models) after a build.

With a separate publish target (BENCHSIGHT_PUBLISH_URL: any Postgres, Supabase included) each
table is copied there in one transaction of its own: dropped and created again with the
warehouse's columns, its rows streamed with COPY (`batch_size` rows per write), then its keys
(primary, unique, check) and indexes added, so a reader of the target sees the old table or the
new one, never half of one. A view is published as a table of its rows. Foreign keys are left
out: the tables are replaced one at a time, in no particular order.

Without a publish target the warehouse is the target: dbt built the tables there, and the
answer says so (`published_to: "target"`) with the tables and rows it holds.

The target may sit behind Supabase's transaction pooler, so its connection never prepares a
statement on the server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from api.upload.schema import catalog
from dbt_project.selection import ManifestIndex

PUBLISHED_FOLDERS = ("marts", "qa")
DEFAULT_BATCH_ROWS = 10_000
IN_WAREHOUSE = "target"
COPIED = "publish_target"


def published_models(index: ManifestIndex) -> dict[str, tuple[str, ...]]:
    """Published model name -> its folder path in the project (fqn without project and name)."""
    return {
        node["name"]: tuple(node["fqn"][1:-1])
        for node in index.nodes.values()
        if node.get("resource_type") == "model"
        and len(node.get("fqn", [])) > 2
        and node["fqn"][1] in PUBLISHED_FOLDERS
    }


@dataclass
class Published:
    """What a publish did: where to, and each table's rows."""

    published_to: str
    table_rows: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    batch_size: int | None = None

    def summary(self) -> dict:
        """The run's `summary.publish` (tables_uploaded / rows_uploaded on the seed paths)."""
        return {
            "published_to": self.published_to,
            "tables": len(self.table_rows),
            "rows": sum(self.table_rows.values()),
            "table_rows": self.table_rows,
            "batches": self.batches,
            "batch_size": self.batch_size,
        }


def publish(
    warehouse_url: str,
    publish_url: str | None,
    schema: str,
    tables: Iterable[str],
    batch_size: int | None,
    log: Callable[[str], None],
) -> Published:
    """Publish `tables` of `schema`: copy them to `publish_url`, or count them in place."""
    names = sorted(set(tables))
    with psycopg.connect(warehouse_url, autocommit=True) as source:
        if publish_url is None:
            done = Published(IN_WAREHOUSE)
            for name in names:
                done.table_rows[name] = source.execute(
                    sql.SQL("select count(*) from {}").format(sql.Identifier(schema, name))
                ).fetchone()[0]
            return done
        rows_per_write = batch_size or DEFAULT_BATCH_ROWS
        done = Published(COPIED, batch_size=rows_per_write)
        with psycopg.connect(publish_url, prepare_threshold=None) as target:
            for name in names:
                rows, batches = _copy_table(source, target, schema, name, rows_per_write)
                done.table_rows[name], done.batches = rows, done.batches + batches
                log(f"published {schema}.{name}: {rows} rows in {batches} write(s)")
        return done


def _copy_table(
    source: psycopg.Connection, target: psycopg.Connection, schema: str, name: str, batch: int
) -> tuple[int, int]:
    """Replace one table in the target in one transaction; (rows, writes)."""
    relations, columns, constraints, indexes, _ = catalog(source, schema, [name])
    if not relations:
        raise LookupError(f"{schema}.{name} does not exist in the warehouse")
    relid, kind = relations[0][0], relations[0][3]
    table = sql.Identifier(schema, name)
    column_defs = sql.SQL(", ").join(
        sql.SQL("{} {}{}").format(
            sql.SQL(col_name),  # quote_ident'ed by the catalog query
            sql.SQL(col_type),
            sql.SQL(" not null" if not_null else ""),
        )
        for rel, col_name, col_type, not_null, _, _ in columns
        if rel == relid
    )
    rows = writes = 0
    with target.transaction():
        target.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
        existing = target.execute(
            "select c.relkind::text from pg_catalog.pg_class as c"
            " join pg_catalog.pg_namespace as n on n.oid = c.relnamespace"
            " where n.nspname = %s and c.relname = %s",
            [schema, name],
        ).fetchone()
        if existing:
            drop = {"v": "drop view {} cascade", "m": "drop materialized view {} cascade"}.get(
                existing[0], "drop table {} cascade"
            )
            target.execute(sql.SQL(drop).format(table))
        target.execute(sql.SQL("create table {} ({})").format(table, column_defs))
        read = sql.SQL("copy (select * from {}) to stdout").format(table)
        with (
            source.cursor().copy(read) as out,
            target.cursor().copy(sql.SQL("copy {} from stdin").format(table)) as into,
        ):
            pending: list[bytes] = []
            # COPY TO sends one message per row, so the chunks count the rows.
            for chunk in out:
                pending.append(bytes(chunk))
                if len(pending) == batch:
                    into.write(b"".join(pending))
                    rows, writes, pending = rows + len(pending), writes + 1, []
            if pending:
                into.write(b"".join(pending))
                rows, writes = rows + len(pending), writes + 1
        if kind not in ("v", "m"):
            for rel, con_name, con_type, definition, _ in constraints:
                if rel == relid and con_type != "f":
                    target.execute(
                        sql.SQL("alter table {} add constraint {} {}").format(
                            table, sql.SQL(con_name), sql.SQL(definition)
                        )
                    )
            for rel, definition in indexes:
                if rel == relid:
                    target.execute(sql.SQL(definition))
            _expose_like_the_warehouse(source, target, relid, schema, table)
    return rows, writes


def _expose_like_the_warehouse(
    source: psycopg.Connection,
    target: psycopg.Connection,
    relid: int,
    schema: str,
    table: sql.Composable,
) -> None:
    """The copy gets the warehouse table's exposure (see the on-run-end macro expose_published):
    RLS on with the read-only policy, select for the Data API roles the warehouse grants it to
    (none for fact_registration), no writes for them. Without those roles in the target (a
    plain Postgres) only RLS is enabled."""
    target.execute(sql.SQL("alter table {} enable row level security").format(table))
    roles = [
        r[0]
        for r in target.execute(
            "select rolname from pg_catalog.pg_roles where rolname in ('anon', 'authenticated')"
        )
    ]
    if len(roles) < 2:
        return
    target.execute(
        sql.SQL(
            "create policy published_read on {} for select to anon, authenticated using (true)"
        ).format(table)
    )
    target.execute(
        sql.SQL("revoke all on {} from anon, authenticated").format(table)  # default privileges
    )
    granted = [
        r[0]
        for r in source.execute(
            "select r from unnest(array['anon', 'authenticated']) as r"
            " where exists (select from pg_catalog.pg_roles where rolname = r)"
            " and has_table_privilege(r, %s::oid, 'select')",
            [relid],
        )
    ]
    for role in granted:
        target.execute(sql.SQL("grant select on {} to {}").format(table, sql.Identifier(role)))
        target.execute(
            sql.SQL("grant usage on schema {} to {}").format(
                sql.Identifier(schema), sql.Identifier(role)
            )
        )
