"""Fault-injection plumbing: a private PostgreSQL server a test may kill, and a way to hold a
load in the middle of a COPY.

The private server is an embedded server of its own (its own state folder, data, port), never the
shared test server other sessions use. `kill_postgres` SIGKILLs the postmaster and every process
it started, as a crash or the OOM killer would; `restart` starts it again (crash recovery).

`hold_copy_into(url, table)` installs a statement-level BEFORE INSERT trigger that sleeps: a COPY
into that table (and everything the transaction wrote before it) is then in flight for as long as
the test needs, and `wait_for_held` sees the backend sleeping in it.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
from psycopg import sql

from benchsight.db import migrate
from benchsight.embedded import EmbeddedServer

HOLD_FUNCTION = "public.bs_fault_hold"


class PrivateServer:
    def __init__(self, state: Path, dbname: str = "faults"):
        self.server = EmbeddedServer(state)
        self.dbname = dbname
        self.record = None

    def start(self) -> str:
        self.record = self.server.start()
        self.server.wait_ready(self.record.url("postgres"))
        return self.url

    @property
    def url(self) -> str:
        return self.record.url(self.dbname)

    def create(self, dbname: str | None = None) -> str:
        """A fresh migrated database (default: the server's own); returns its URL."""
        name = dbname or self.dbname
        with psycopg.connect(self.record.url("postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        url = self.record.url(name)
        migrate(url)
        return url

    def postmaster_pid(self) -> int:
        return int((Path(self.record.pgdata) / "postmaster.pid").read_text().split()[0])

    def kill(self) -> None:
        """SIGKILL the postmaster and all its children at once (no shutdown, no checkpoint)."""
        postmaster = self.postmaster_pid()
        family = [postmaster, *children_of(postmaster)]
        for pid in family:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while any(alive(pid) for pid in family):
            if time.monotonic() > deadline:
                raise AssertionError(f"postgres processes survived SIGKILL: {family}")
            time.sleep(0.05)
        # Dead, but a zombie until init reaps it, and `pg_ctl status` counts a zombie as a
        # running server: wait for the reaping, else drop the lock file of the dead postmaster.
        deadline = time.monotonic() + 5
        while Path(f"/proc/{postmaster}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if Path(f"/proc/{postmaster}").exists():
            (Path(self.record.pgdata) / "postmaster.pid").unlink(missing_ok=True)

    def restart(self) -> None:
        self.start()

    def stop(self) -> None:
        """Stop the server and remove its data (it lives outside tmp when running as root)."""
        try:
            self.server.stop()
        finally:
            if self.record is not None:
                base = Path(self.record.pgdata).parent
                if base != self.server.state_dir and base.parent == Path("/var/lib/benchsight"):
                    shutil.rmtree(base, ignore_errors=True)


def children_of(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@contextmanager
def hold_copy_into(url: str, table: str, seconds: float = 600) -> Iterator[None]:
    """While inside, every INSERT/COPY into raw.<table> first sleeps `seconds`."""
    trigger = sql.Identifier(f"bs_fault_hold_{table}")
    target = sql.Identifier("raw", table)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "create or replace function {}() returns trigger language plpgsql as"
                " $$ begin perform pg_sleep({}); return null; end $$"
            ).format(sql.SQL(HOLD_FUNCTION), sql.Literal(seconds))
        )
        conn.execute(
            sql.SQL(
                "create trigger {} before insert on {} for each statement execute function {}()"
            ).format(trigger, target, sql.SQL(HOLD_FUNCTION))
        )
    try:
        yield
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("drop trigger if exists {} on {}").format(trigger, target))


def wait_for_held(url: str, process=None, timeout: float = 60) -> int:
    """The pid of the backend sleeping in the hold trigger (the load is mid-COPY)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the load ended before its COPY: {process.stdout.read()}")
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(
                "select pid from pg_stat_activity where wait_event = 'PgSleep'"
                " and state = 'active' and query ilike 'copy%'"
            ).fetchone()
        if row:
            return row[0]
        time.sleep(0.1)
    raise AssertionError("no load reached the held COPY")
