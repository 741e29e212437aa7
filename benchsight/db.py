"""Which database BenchSight talks to, and the migrations that shape it.

`database_url()` is the single answer to "where is the database": `DATABASE_URL` when set,
otherwise the embedded server (started on demand). `connection_env()` turns that URL into the
variables profiles.yml reads, so dbt always targets the same database as the Python side.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from benchsight.config import REPO_ROOT, get_settings
from benchsight.embedded import EmbeddedError, EmbeddedServer

MIGRATIONS_DIR = REPO_ROOT / "migrations"
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Serialises concurrent `migrate` calls (two workers starting at once).
MIGRATION_LOCK_KEY = 0x42_53_4D_47  # "BSMG"
PROCRASTINATE_SCHEMA = "procrastinate"


class DatabaseError(RuntimeError):
    """A one-line, actionable message about the database."""


def embedded_server() -> EmbeddedServer:
    return EmbeddedServer(get_settings().state_dir)


def database_url(start: bool = True) -> str:
    """The connection URL every command uses; starts the embedded server when needed."""
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    server = embedded_server()
    record = server.start() if start else server.read_record()
    if record is None:
        raise DatabaseError("the embedded server is not set up yet: run `benchsight db start`")
    ensure_database(record.url("postgres"), settings.db_name)
    return record.url(settings.db_name)


def ensure_database(admin_url: str, dbname: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", [dbname]).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))


def check_reachable(url: str) -> str:
    """Return the server version, or raise DatabaseError with what to do."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            return conn.execute("show server_version").fetchone()[0]
    except psycopg.OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = redact(url)
        raise DatabaseError(
            f"cannot reach the database at {where}: {first_line}. "
            "Check DATABASE_URL, or unset it to use the embedded server."
        ) from None


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def connection_env(url: str) -> dict[str, str]:
    """The BENCHSIGHT_DB_* variables profiles.yml reads, derived from a URL."""
    parts = urlsplit(url)
    env = {
        "BENCHSIGHT_DB_HOST": parts.hostname or "127.0.0.1",
        "BENCHSIGHT_DB_PORT": str(parts.port or 5432),
        "BENCHSIGHT_DB_USER": unquote(parts.username or "postgres"),
        "BENCHSIGHT_DB_PASSWORD": unquote(parts.password or ""),
        "BENCHSIGHT_DB_NAME": unquote(parts.path.lstrip("/") or "postgres"),
    }
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    if "sslmode" in query:
        env["BENCHSIGHT_DB_SSLMODE"] = query["sslmode"]
    return env


# ------------------------------------------------------------------------------------- migrations
@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text()

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = MIGRATION_NAME.match(path.name)
        if not match:
            raise DatabaseError(f"{path}: migration files are named NNNN_lower_snake.sql")
        found.append(Migration(match.group(1), path.stem, path))
    versions = [m.version for m in found]
    duplicates = sorted({v for v in versions if versions.count(v) > 1})
    if duplicates:
        raise DatabaseError(f"two migration files share the number(s) {', '.join(duplicates)}")
    return found


BOOTSTRAP_SQL = """
create schema if not exists ops;
create table if not exists ops.schema_migrations (
    version text primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now()
);
"""


def migrate(url: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations in order, each in its own transaction. Returns the applied names.

    A migration that was applied and then edited is an error: a schema must be reproducible
    from its files, so a change goes into a new numbered file.
    """
    import psycopg

    migrations = discover_migrations(directory)
    applied_now: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
        try:
            conn.execute(BOOTSTRAP_SQL)
            applied = dict(
                conn.execute("select version, checksum from ops.schema_migrations").fetchall()
            )
            for migration in migrations:
                if migration.version in applied:
                    if applied[migration.version] != migration.checksum:
                        raise DatabaseError(
                            f"migration {migration.path.name} was changed after it was applied; "
                            "put the change in a new numbered file"
                        )
                    continue
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute(
                        "insert into ops.schema_migrations (version, name, checksum) values (%s, %s, %s)",
                        [migration.version, migration.name, migration.checksum],
                    )
                applied_now.append(migration.name)
            if _install_procrastinate(conn):
                applied_now.append("procrastinate schema")
        finally:
            conn.execute("select pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])
    return applied_now


def _install_procrastinate(conn) -> bool:
    """Install Procrastinate's schema into its own schema, once.

    Its schema script is not idempotent, so the guard is the presence of its jobs table; the
    installed version is recorded beside the SQL migrations.
    """
    from importlib.metadata import version

    from procrastinate.schema import SchemaManager

    exists = conn.execute(
        "select to_regclass(%s) is not null", [f"{PROCRASTINATE_SCHEMA}.procrastinate_jobs"]
    ).fetchone()[0]
    if exists:
        return False
    schema_sql = SchemaManager.get_schema()
    with conn.transaction():
        conn.execute(f"create schema if not exists {PROCRASTINATE_SCHEMA}")
        conn.execute(f"set local search_path to {PROCRASTINATE_SCHEMA}")
        conn.execute(schema_sql)
        conn.execute(
            "insert into ops.schema_migrations (version, name, checksum) values (%s, %s, %s)"
            " on conflict (version) do nothing",
            [
                f"procrastinate-{version('procrastinate')}",
                "procrastinate schema",
                hashlib.sha256(schema_sql.encode()).hexdigest(),
            ],
        )
    return True


def migrated_url() -> str:
    """The configured database, reachable and migrated (what `serve`, `worker` and `keys` open).

    Migrations hold a session-level advisory lock: through the worker's session URL when set.
    """
    url = database_url()
    check_reachable(url)
    migrate(os.environ.get("BENCHSIGHT_WORKER_DATABASE_URL") or url)
    return url


def reset(url: str) -> list[str]:
    """Drop all BenchSight data and migrate again.

    BenchSight's own schemas are dropped whole; in the published schema (often `public`, whose
    grants Supabase manages) only the relations are dropped, so the schema and its grants stay.
    """
    import psycopg
    from psycopg import sql

    owned = ["raw", "ops", "ml", PROCRASTINATE_SCHEMA, "staging", "intermediate", "qa"]
    published = get_settings().db_schema
    with psycopg.connect(url, autocommit=True) as conn:
        for schema in owned:
            if schema != published:
                conn.execute(
                    sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema))
                )
        relations = conn.execute(
            """
            select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = %s and c.relkind in ('r', 'v', 'm', 'p', 'f')
            """,
            [published],
        ).fetchall()
        kinds = {
            "r": "table",
            "p": "table",
            "f": "foreign table",
            "v": "view",
            "m": "materialized view",
        }
        for name, kind in relations:
            conn.execute(
                sql.SQL("drop {} if exists {} cascade").format(
                    sql.SQL(kinds[kind]), sql.Identifier(published, name)
                )
            )
    return migrate(url)


__all__ = [
    "DatabaseError",
    "EmbeddedError",
    "check_reachable",
    "connection_env",
    "database_url",
    "migrate",
    "reset",
]
