"""Generate the lineage site (dbt docs) and write the model descriptions as database comments.

The worker calls `refresh_after_build` after every successful build (a recorded run step):

1. the descriptions of the run's manifest are written as `comment on` statements, all in one
   round trip (instead of dbt's `persist_docs`, which pays one round trip per relation inside the
   build: see benchmarks/bench_lineage.py for the measured cost). dbt rebuilds a table by
   creating a new one and renaming it, so comments must be written again after every build;
2. a digest of the project's files and of the warehouse's columns (and their comments) is
   compared with the digest the current site was generated from; only when it differs does
   `dbt docs generate --static` run (the slow part, ~5 s), into a fresh folder swapped in
   atomically (a symlink replaced in one rename), so a reader never sees half a site.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from api.settings import ApiSettings
from benchsight.db import connection_env
from dbt_project.commands import dbt_environment, dbt_executable, seed_partial_parse

# What a generated site keeps; everything else dbt writes into its target folder is dropped.
SITE_FILES = ("index.html", "static_index.html", "manifest.json", "catalog.json")
PROJECT_PARTS = ("dbt_project.yml", "packages.yml", "dependencies.yml", "profiles.yml")
PROJECT_DIRS = ("models", "macros", "seeds", "data-tests", "tests", "snapshots", "analyses")
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")
DOCS_TIMEOUT_SECONDS = 300
Log = Callable[[str], None]


class LineageError(RuntimeError):
    """`dbt docs generate` failed; the message is dbt's."""


def lineage_dir(settings: ApiSettings) -> Path:
    return settings.base.state_dir / "lineage"


def site_dir(settings: ApiSettings) -> Path:
    """The current site (a symlink to the latest generated folder)."""
    return lineage_dir(settings) / "site"


def project_digest(project_dir: Path) -> str:
    """sha256 over the project's source files (paths and contents)."""
    digest = hashlib.sha256()
    files = [project_dir / name for name in PROJECT_PARTS]
    for folder in PROJECT_DIRS:
        base = project_dir / folder
        if base.is_dir():
            files += [p for p in base.rglob("*") if p.is_file()]
    for path in sorted(p for p in files if p.is_file()):
        digest.update(str(path.relative_to(project_dir)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def catalog_digest(conn: psycopg.Connection) -> str:
    """md5 over what dbt's catalog reads: every relation's columns, types and comments."""
    row = conn.execute(
        """
        select md5(coalesce(string_agg(line, E'\\n' order by line), ''))
        from (
            select concat_ws('|', n.nspname, c.relname, c.relkind, a.attnum, a.attname,
                       format_type(a.atttypid, a.atttypmod),
                       obj_description(c.oid, 'pg_class'), col_description(c.oid, a.attnum)) as line
            from pg_class c
            join pg_namespace n on n.oid = c.relnamespace
            join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            where c.relkind in ('r', 'v', 'm', 'p', 'f')
              and n.nspname <> all(%s) and n.nspname not like 'pg\\_%%'
        ) as columns
        """,
        [list(SYSTEM_SCHEMAS)],
    ).fetchone()
    return row[0]


# ------------------------------------------------------------------------------------ comments
def comment_statements(manifest: dict, existing: dict[tuple[str, str], tuple[str, set[str]]]):
    """`comment on` statements for the manifest's models and seeds that exist in the database.

    `existing` maps (schema, relation) to (relkind, its column names); descriptions of columns
    that are not in the relation are left out (a comment on a missing column is an error)."""
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") not in ("model", "seed", "snapshot"):
            continue
        schema, name = node.get("schema"), node.get("alias") or node.get("name")
        found = existing.get((schema, name))
        if found is None:
            continue
        kind, columns = found
        target = sql.Identifier(schema, name)
        word = sql.SQL({"v": "view", "m": "materialized view"}.get(kind, "table"))
        description = (node.get("description") or "").strip()
        yield sql.SQL("comment on {} {} is {}").format(
            word, target, sql.Literal(description) if description else sql.NULL
        )
        for column in (node.get("columns") or {}).values():
            text = (column.get("description") or "").strip()
            column_name = column.get("name")
            if text and column_name in columns:
                yield sql.SQL("comment on column {} is {}").format(
                    sql.Identifier(schema, name, column_name), sql.Literal(text)
                )


def write_comments(conn: psycopg.Connection, manifest: dict) -> int:
    """Write the manifest's descriptions as comments, in one transaction and one round trip.
    Returns how many statements were sent."""
    schemas = sorted(
        {n.get("schema") for n in manifest.get("nodes", {}).values() if n.get("schema")}
    )
    existing: dict[tuple[str, str], tuple[str, set[str]]] = {}
    for schema, name, kind, column in conn.execute(
        """select n.nspname, c.relname, c.relkind, a.attname
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
           join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
           where n.nspname = any(%s) and c.relkind in ('r', 'v', 'm', 'p')""",
        [schemas],
    ):
        existing.setdefault((schema, name), (kind, set()))[1].add(column)
    statements = list(comment_statements(manifest, existing))
    if not statements:
        return 0
    script = "; ".join(s.as_string(conn) for s in statements)
    with conn.transaction():
        conn.execute(script.encode())
    return len(statements)


# ---------------------------------------------------------------------------------- generation
@dataclass
class Refresh:
    regenerated: bool
    reason: str
    comments: int = 0
    comment_seconds: float = 0.0
    docs_seconds: float = 0.0

    def summary(self) -> dict:
        return {
            "regenerated": self.regenerated,
            "reason": self.reason,
            "comments": self.comments,
            "comment_seconds": round(self.comment_seconds, 3),
            "docs_seconds": round(self.docs_seconds, 3),
        }


def generate_site(
    settings: ApiSettings, manifest_path: Path | None = None, application_name: str | None = None
) -> Path:
    """`dbt docs generate --static` into a fresh folder, swapped in as the current site.

    With the manifest of the build it follows, dbt skips compiling the project again
    (`--no-compile` reads the manifest.json found in the target folder and writes none)."""
    root = lineage_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    build = root / f"build-{time.time_ns()}"
    reuse = manifest_path is not None and manifest_path.exists()
    # The build's own parse cache: written under the same profile (dbt's profile hash includes
    # the database and application_name, and a cache of another profile means a full parse).
    cache = manifest_path.parent / "partial_parse.msgpack" if reuse else None
    build.mkdir(parents=True)
    if cache is not None and cache.exists():
        shutil.copy2(cache, build / cache.name)
    else:
        seed_partial_parse(settings.project_dir, build)
    if reuse:
        shutil.copy2(manifest_path, build / "manifest.json")
    argv = [
        dbt_executable(),
        "docs",
        "generate",
        "--static",
        *(["--no-compile"] if reuse else []),
        "--project-dir",
        str(settings.project_dir),
        "--profiles-dir",
        str(settings.project_dir),
        "--target-path",
        str(build),
    ]
    env = dbt_environment(connection_env(settings.database_url), application_name)
    done = subprocess.run(
        argv,
        cwd=settings.project_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=DOCS_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0 or not (build / "static_index.html").exists():
        shutil.rmtree(build, ignore_errors=True)
        lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
        raise LineageError("dbt docs generate failed: " + " | ".join(lines[-5:]))
    for entry in build.iterdir():
        if entry.name not in SITE_FILES:
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
    link = site_dir(settings)
    temp = root / f".site-{time.time_ns()}"
    temp.symlink_to(build.name)
    os.replace(temp, link)
    # Older folders go; a reader holding one of their files open keeps reading it (POSIX).
    for old in root.glob("build-*"):
        if old != build:
            shutil.rmtree(old, ignore_errors=True)
    return build


def refresh_after_build(
    settings: ApiSettings,
    manifest_path: Path | None,
    log: Log,
    application_name: str | None = None,
) -> Refresh:
    """Comments from the run's manifest, then the site when the project or the catalog changed."""
    comments, comment_seconds = 0, 0.0
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        if manifest_path is not None and manifest_path.exists():
            started = time.monotonic()
            try:
                comments = write_comments(conn, json.loads(manifest_path.read_text()))
            except psycopg.Error as exc:  # e.g. a relation owned by another role: the site still
                log(f"descriptions not written as comments: {exc}".strip())
            comment_seconds = time.monotonic() - started
        digest = project_digest(settings.project_dir) + ":" + catalog_digest(conn)
    stamp = lineage_dir(settings) / "digest.txt"
    current = site_dir(settings)
    known = stamp.read_text().strip() if stamp.exists() else ""
    if current.exists() and known == digest:
        log(f"lineage site unchanged (project and catalog as before); {comments} comments written")
        return Refresh(False, "unchanged", comments, comment_seconds)
    if not current.exists():
        reason = "no site yet"
    elif known.split(":")[0] != digest.split(":")[0]:
        reason = "the project changed"
    else:
        reason = "the catalog changed"
    started = time.monotonic()
    generate_site(settings, manifest_path, application_name)
    seconds = time.monotonic() - started
    stamp.write_text(digest)
    log(f"lineage site regenerated in {seconds:.1f} s ({reason}); {comments} comments written")
    return Refresh(True, reason, comments, comment_seconds, seconds)
