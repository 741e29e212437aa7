"""A real PostgreSQL for the whole test session, and a fresh migrated database per test module.

API test modules define a module fixture `setup` (the server's URL and keys); `http` and `admin`
below are clients with its run and admin keys.

The server is the embedded one (state under .benchsight/test, apart from the development
server), or the server of TEST_DATABASE_URL (a URL whose user may create databases). Migrations
run once into a template database; each module gets a clone of it, which takes milliseconds.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest
from dbt_harness import remove_targets, target_root
from psycopg import sql
from runs_harness import client

from benchsight.config import REPO_ROOT
from benchsight.db import migrate
from benchsight.embedded import EmbeddedServer

FIXTURES = REPO_ROOT.parent / "shared" / "fixtures"
SESSION_TAG = f"bs_test_{os.getpid()}"
_module_numbers = count(1)


def _url_for(admin_url: str, dbname: str) -> str:
    """The same server URL with another database (a URL, as DATABASE_URL would be)."""
    return urlsplit(admin_url)._replace(path=f"/{dbname}").geturl()


def _drop_leftovers(admin_url: str) -> None:
    """Drop databases of earlier test sessions whose process is gone (killed runs)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        names = [
            r[0]
            for r in conn.execute("select datname from pg_database where datname like 'bs_test_%'")
        ]
        for name in names:
            pid = int(name.split("_")[2])
            if pid != os.getpid() and not Path(f"/proc/{pid}").exists():
                conn.execute(
                    sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
                )
    # dbt's target folders of those sessions (dbt-target-bs_test_<pid>_...), tens of MB each.
    for path in target_root().glob("dbt-target-bs_test_*"):
        pid = path.name.split("_")[2]
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"the shared fixtures are missing: expected {FIXTURES}")
    return FIXTURES


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """URL of the server's maintenance database.

    The embedded test server is shared by concurrent test sessions (each registers its pid); the
    last session to finish stops it, so a test run leaves no server behind.
    """
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield external
        return
    state = REPO_ROOT / ".benchsight" / "test"
    sessions = state / "sessions"
    sessions.mkdir(parents=True, exist_ok=True)
    mine = sessions / str(os.getpid())
    mine.touch()
    server = EmbeddedServer(state)
    try:
        yield server.start().url("postgres")
    finally:
        mine.unlink(missing_ok=True)
        alive = [
            p for p in sessions.iterdir() if p.name.isdigit() and Path(f"/proc/{p.name}").exists()
        ]
        if not alive:
            server.stop()


@pytest.fixture(scope="session")
def template_db(pg_admin_url: str) -> Iterator[str]:
    _drop_leftovers(pg_admin_url)
    name = f"{SESSION_TAG}_template"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    migrate(_url_for(pg_admin_url, name))
    yield name
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="module")
def db_url(pg_admin_url: str, template_db: str) -> Iterator[str]:
    """A fresh, fully migrated database for one test module."""
    name = f"{SESSION_TAG}_{next(_module_numbers)}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("create database {} template {}").format(
                sql.Identifier(name), sql.Identifier(template_db)
            )
        )
    yield _url_for(pg_admin_url, name)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )
    remove_targets(name)


@pytest.fixture(scope="module")
def http(setup: dict) -> Iterator[httpx.Client]:
    """A client of the module's API server with its `run` key."""
    with client(setup["url"], setup["run"]) as c:
        c.timeout = 120
        yield c


@pytest.fixture(scope="module")
def admin(setup: dict) -> Iterator[httpx.Client]:
    """A client of the module's API server with its `admin` key."""
    with client(setup["url"], setup["admin"]) as c:
        c.timeout = 120
        yield c


# The trained generated league of the ML modules (one build per session, a copy per module).
from ml_league import ml_http, ml_league, ml_league_template  # noqa: E402, F401
