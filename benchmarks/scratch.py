"""Throwaway databases for the benchmarks.

Every benchmark measures in a database of its own, created and migrated at the start and dropped
at the end (also when it fails), so a run never touches the development data and never inherits
an earlier run's rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from benchsight.config import REPO_ROOT
from benchsight.db import database_url, migrate
from benchsight.embedded import EmbeddedServer


def with_database(url: str, name: str) -> str:
    """The same server URL with another database (a URL, as DATABASE_URL and dbt's env want)."""
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def configured_server() -> str:
    """The maintenance database of the server BenchSight uses (DATABASE_URL or the embedded one)."""
    return with_database(database_url(), "postgres")


def bench_server() -> str:
    """The maintenance database of BENCH_DATABASE_URL's server, else of an embedded server of the
    benchmarks' own (`.benchsight/bench`), so an API under load shares nothing with development."""
    external = os.environ.get("BENCH_DATABASE_URL")
    if external:
        return with_database(external, "postgres")
    return EmbeddedServer(REPO_ROOT / ".benchsight" / "bench").start().url("postgres")


def _drop(conn: psycopg.Connection, name: str) -> None:
    conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


@contextmanager
def scratch_database(admin: str, name: str) -> Iterator[str]:
    """A fresh, migrated database `name` on `admin`'s server; its URL, dropped on exit."""
    with psycopg.connect(admin, autocommit=True) as conn:
        _drop(conn, name)
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    url = with_database(admin, name)
    try:
        migrate(url)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            _drop(conn, name)
