"""Faults against the real loaders and a real PostgreSQL: the server SIGKILLed in the middle of a
workbook load and of a tracker load, a statement timeout and a full disk (a 4 MB tmpfs tablespace)
during COPY.

Each load is the `benchsight load` command in its own process against a private embedded server
(tests/fault_harness.py): the shared test server is never killed. A load is held inside its COPY
by a sleeping trigger, so "the middle" is the same moment every time: the transaction has
deleted the old rows and written some new ones when the server dies.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from api_checks import changed_tables, fingerprint
from fault_harness import PrivateServer, hold_copy_into, wait_for_held
from fixture_league import build_fixture_workbook
from psycopg import sql
from runs_harness import control, tiny_api, wait_for, worker_process

from api.runs.store import TERMINAL
from benchsight.config import REPO_ROOT

pytestmark = pytest.mark.slow
# A workbook table the fixture workbook fills; its COPY comes after the deletes of all 16.
HELD_SHEET = "blb_dim_player"


@pytest.fixture(scope="module")
def private(tmp_path_factory) -> Iterator[PrivateServer]:
    server = PrivateServer(tmp_path_factory.mktemp("private-pg"))
    server.start()
    server.create()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def loaded(private: PrivateServer, fixtures_dir: Path, tmp_path_factory) -> dict:
    """The private database with a workbook and two games loaded (the state faults must keep)."""
    folder = tmp_path_factory.mktemp("faults-files")
    workbook = build_fixture_workbook(fixtures_dir / "tracker", folder / "BLB_TABLES.xlsx")
    tracker = fixtures_dir / "tracker"
    assert load(private.url, "workbook", workbook).returncode == 0
    earlier = load(private.url, "tracking", tracker / "18969_earlier_export.json")
    assert earlier.returncode == 0, earlier.stdout + earlier.stderr
    assert load(private.url, "tracking", tracker / "18981.json").returncode == 0
    return {"workbook": workbook, "tracker": tracker}


def load(
    url: str,
    kind: str,
    path: Path,
    env: dict | None = None,
    background: bool = False,
    extra: tuple[str, ...] = (),
):
    command = [sys.executable, "-m", "benchsight.cli", "load", kind, str(path), *extra]
    full_env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(REPO_ROOT), **(env or {})}
    if background:
        return subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    return subprocess.run(
        command, cwd=REPO_ROOT, env=full_env, capture_output=True, text=True, timeout=180
    )


def game_rows(url: str, game_id: int) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select (select count(*) from raw.tracker_events where game_id = %s),"
            " (select count(*) from raw.tracker_shifts where game_id = %s)",
            [game_id, game_id],
        ).fetchone()


def killed_mid_copy(private: PrivateServer, table: str, kind: str, path: Path) -> str:
    """Run a load, SIGKILL the server while the load is inside its COPY into raw.<table>, start
    the server again; returns what the load printed (it must have failed)."""
    with hold_copy_into(private.url, table):
        process = load(private.url, kind, path, background=True)
        try:
            wait_for_held(private.url, process)
            private.kill()
            output, _ = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
            private.restart()  # before the hold's trigger is dropped
    assert process.returncode != 0, output
    return output


def test_server_killed_mid_workbook_load_keeps_raw_and_the_load_says_so(private, loaded):
    before = fingerprint(private.url)
    output = killed_mid_copy(private, HELD_SHEET, "workbook", loaded["workbook"])
    assert "Traceback" not in output, output
    assert "database" in output.lower() and "BLB_TABLES.xlsx" in output, output
    assert changed_tables(before, fingerprint(private.url)) == set()

    again = load(private.url, "workbook", loaded["workbook"])
    assert again.returncode == 0, again.stdout + again.stderr
    after = fingerprint(private.url)
    # The repeat wrote the same workbook again: only the load log gained its row.
    assert changed_tables(before, after) == {"loads"}
    assert after["loads"][0] == before["loads"][0] + 1


def test_server_killed_mid_tracker_load_keeps_raw_and_the_load_says_so(private, loaded):
    before = fingerprint(private.url)
    old_game = game_rows(private.url, 18969)
    newer = loaded["tracker"] / "18969.json"
    output = killed_mid_copy(private, "tracker_events", "tracking", newer)
    assert "Traceback" not in output, output
    assert "18969.json" in output and "failed" in output, output
    assert changed_tables(before, fingerprint(private.url)) == set()
    assert game_rows(private.url, 18969) == old_game

    again = load(private.url, "tracking", newer)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "replaced" in again.stdout
    assert game_rows(private.url, 18969) != old_game
    expected_events = len(json.loads(newer.read_text())["events"])
    assert game_rows(private.url, 18969)[0] == expected_events


@pytest.mark.parametrize("kind", ["workbook", "tracking"])
def test_statement_timeout_during_copy_is_a_failed_load_with_the_reason(private, loaded, kind):
    before = fingerprint(private.url)
    table = HELD_SHEET if kind == "workbook" else "tracker_events"
    path = loaded["workbook"] if kind == "workbook" else loaded["tracker"] / "18981.json"
    timeout = "-c statement_timeout=1500"
    # --force: an unchanged tracker file is skipped before any COPY.
    extra = () if kind == "workbook" else ("--force",)
    with hold_copy_into(private.url, table):
        done = load(private.url, kind, path, env={"PGOPTIONS": timeout}, extra=extra)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output, output
    assert "statement timeout" in output, output
    assert changed_tables(before, fingerprint(private.url)) == set()


@contextmanager
def full_disk_under(private: PrivateServer, table: str) -> Iterator[None]:
    """raw.<table> moved onto a 4 MB tmpfs that a filler table then fills: the next page the
    table needs fails with ENOSPC (`could not extend file ... No space left on device`), as on a
    full disk. Root only (mount)."""
    # Beside the data directory: the server's user can reach it (a test's tmp folder is root's).
    mount = Path(private.record.pgdata).parent / "tiny"
    mount.mkdir(exist_ok=True)
    owner = Path(private.record.pgdata).stat()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size=4m,mode=0700,uid={owner.st_uid},gid={owner.st_gid}",
         "tmpfs", str(mount)],
        check=True,
    )  # fmt: skip
    target = sql.Identifier("raw", table)
    try:
        with psycopg.connect(private.url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("create tablespace bs_tiny location {}").format(sql.Literal(str(mount)))
            )
            conn.execute(sql.SQL("alter table {} set tablespace bs_tiny").format(target))
            conn.execute("create table public.bs_filler (pad text) tablespace bs_tiny")
            with pytest.raises(psycopg.errors.DiskFull):
                for _ in range(10_000):
                    conn.execute(
                        "insert into public.bs_filler select repeat('x', 2000) from generate_series(1, 64)"
                    )
        yield
    finally:
        with psycopg.connect(private.url, autocommit=True) as conn:
            conn.execute("drop table if exists public.bs_filler")
            conn.execute(sql.SQL("alter table {} set tablespace pg_default").format(target))
            conn.execute("drop tablespace if exists bs_tiny")
        subprocess.run(["umount", str(mount)], check=True)
        mount.rmdir()


@pytest.mark.skipif(os.geteuid() != 0, reason="a full disk is a 4 MB tmpfs mount: root only")
def test_disk_full_during_copy_is_a_failed_load_with_the_reason(private, loaded):
    before = fingerprint(private.url)
    old_game = game_rows(private.url, 18981)
    path = loaded["tracker"] / "18981.json"
    with full_disk_under(private, "tracker_events"):
        # --force: an unchanged tracker file is skipped before any COPY.
        done = load(private.url, "tracking", path, extra=("--force",))
        output = done.stdout + done.stderr
        assert done.returncode == 1, output
        assert "Traceback" not in output, output
        assert "18981.json" in output and "No space left on device" in output, output
        assert changed_tables(before, fingerprint(private.url)) == set()
        assert game_rows(private.url, 18981) == old_game
    again = load(private.url, "tracking", path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert game_rows(private.url, 18981) == old_game


# ------------------------------------------------------------------------------- builds
STALE_AFTER = 4.0


def poll_terminal(http, run_id: int, timeout: float) -> dict:
    """The run once it is terminal; a 503 while the database restarts is tolerated."""

    def done():
        response = http.get(f"/api/etl/runs/{run_id}")
        if response.status_code == 503:
            return None
        body = response.json()
        return body if body["status"] in TERMINAL else None

    return wait_for(done, timeout, 0.5, f"run {run_id} to end")


def test_database_restarted_during_a_build_fails_the_run_and_the_next_succeeds(private, tmp_path):
    url = private.create("faults_build")
    port = private.record.port
    with tiny_api(url, tmp_path, STALE_AFTER) as (http, _project, state):
        http.timeout = 120  # the first trigger parses the project
        with worker_process(url, _project, state, STALE_AFTER) as worker:
            # slow reads doubled: build it first, so slow runs (sleeping) until the restart.
            first = http.post("/api/etl/trigger", json={"tables": ["numbers", "doubled"]})
            assert poll_terminal(http, first.json()["run_id"], 120)["status"] == "succeeded"
            control(url, sleep_seconds=120)
            run_id = http.post("/api/etl/trigger", json={"tables": ["slow"]}).json()["run_id"]
            wait_for(
                lambda: http.get(f"/api/etl/status/{run_id}").json()["current_node"] == "slow",
                90,
                what="slow to start",
            )
            private.kill()
            private.restart()
            assert private.record.port == port
            try:
                ended = poll_terminal(http, run_id, 90)
            except AssertionError:
                with psycopg.connect(url) as conn:
                    state_now = (
                        conn.execute(
                            "select status, current_step, heartbeat_at, now() from ops.runs"
                        ).fetchall(),
                        conn.execute(
                            "select id, status, attempts, scheduled_at, worker_id"
                            " from procrastinate.procrastinate_jobs"
                        ).fetchall(),
                    )
                logs = "\n".join(p.read_text()[-4000:] for p in state.glob("worker-*.log"))
                raise AssertionError(f"{state_now}\n{logs}") from None
            assert ended["status"] == "failed", ended
            assert ended["errors"], ended
            assert "does not exist" not in str(ended["errors"]), ended["errors"]
            control(url, sleep_seconds=0)
            next_id = http.post("/api/etl/trigger", json={"tables": ["numbers"]}).json()["run_id"]
            assert poll_terminal(http, next_id, 90)["status"] == "succeeded"
            assert worker.poll() is None, "the worker should outlive the database restart"
