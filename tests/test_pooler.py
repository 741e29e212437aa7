"""Everything but the queue through a transaction-mode pooler (PgBouncer, pool_mode = transaction,
as Supabase's port 6543): the loaders' CLI, a dbt build, and the API; the worker on the direct
URL given as BENCHSIGHT_WORKER_DATABASE_URL. Consecutive transactions of one client land on
whichever server connection is free, so a session-level prepared statement or SET would break.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from dbt_harness import run_dbt
from fixture_league import build_fixture_workbook
from pooler import running_pgbouncer
from runs_harness import (
    api_server,
    api_settings,
    client,
    create_key,
    make_tiny_project,
    prepare_database,
    wait_terminal,
    worker_process,
)

from api.cli import worker_connection_line
from api.settings import load_settings

# PgBouncer (an apt package) and a few minutes: `make test-compat` runs these (it sets
# BENCHSIGHT_TEST_POOLER=1); `make test` leaves them out.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("BENCHSIGHT_TEST_POOLER") != "1",
        reason="the pooler tests run in `make test-compat` (BENCHSIGHT_TEST_POOLER=1)",
    ),
]

BENCHSIGHT = str(Path(sys.executable).parent / "benchsight")


@pytest.fixture(scope="module")
def pooled(pg_admin_url: str, db_url: str) -> dict:
    user = pg_admin_url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[0]
    with running_pgbouncer(pg_admin_url, (user,)) as through:
        url = through(db_url)
        yield {"url": url, "direct": db_url, "log": through.log}


def test_the_pooler_is_in_transaction_mode(pooled):
    """Two clients' sessions share one server connection: a SET leaks across them."""
    with (
        psycopg.connect(pooled["url"], autocommit=True, prepare_threshold=None) as a,
        psycopg.connect(pooled["url"], autocommit=True, prepare_threshold=None) as b,
    ):
        a_pid = a.execute("select pg_backend_pid()").fetchone()[0]
        b_pid = b.execute("select pg_backend_pid()").fetchone()[0]
    assert a_pid == b_pid  # the pool handed the same server connection to both clients


def test_loaders_through_the_pooler(pooled, fixtures_dir: Path, tmp_path: Path):
    tracker = fixtures_dir / "tracker"
    workbook = build_fixture_workbook(tracker, tmp_path / "BLB_TABLES.xlsx")
    env = {**os.environ, "DATABASE_URL": pooled["url"], "DO_NOT_TRACK": "1"}
    for args in (["load", "workbook", str(workbook)], ["load", "tracking", str(tracker)]):
        done = subprocess.run(
            [BENCHSIGHT, *args], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    events = len(json.loads((tracker / "18969.json").read_text())["events"])
    with psycopg.connect(pooled["direct"]) as conn:
        loaded = conn.execute(
            "select count(*) from raw.tracker_events where game_id = 18969"
        ).fetchone()[0]
    assert loaded == events


def test_a_dbt_build_through_the_pooler(pooled, tmp_path: Path):
    # the models (and their seeds) behind two published relations, with the tests on them alone
    done = run_dbt(
        pooled["url"],
        "build",
        "--select",
        "+fact_game_status",
        "+v_recent_games",
        "--indirect-selection",
        "cautious",
        "--exclude-resource-type",
        "unit_test",
        target_path=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-4000:]
    with psycopg.connect(pooled["direct"]) as conn:
        games = conn.execute("select count(*) from public.fact_game_status").fetchone()[0]
        conn.execute("set role anon")
        assert conn.execute("select count(*) from public.v_recent_games").fetchone()[0] >= 0
    assert games > 0


def test_the_api_through_the_pooler_and_the_worker_on_the_direct_url(pooled, tmp_path: Path):
    project = make_tiny_project(tmp_path / "project")
    state = tmp_path / "state"
    state.mkdir()
    prepare_database(pooled["direct"])
    settings = api_settings(pooled["url"], project, state, worker_database_url=pooled["direct"])
    extra = {"BENCHSIGHT_WORKER_DATABASE_URL": pooled["direct"]}
    with (
        api_server(settings) as base_url,
        client(base_url, create_key(pooled["direct"], "run")) as http,
        worker_process(pooled["url"], project, state, extra_env=extra),
    ):
        http.timeout = 120  # a trigger resolves its selection with dbt: slow on a loaded machine
        # the same statements many times over: no prepared statement may be left behind
        for _ in range(12):
            assert http.get("/api/etl/history").status_code == 200
            assert http.get("/api/status").status_code == 200
        trigger = http.post("/api/etl/trigger", json={"tables": ["+doubled"]})
        assert trigger.status_code in (200, 201, 202), trigger.text
        run = wait_terminal(http, trigger.json()["run_id"])
        assert run["status"] == "succeeded", run.get("errors")
        steps = http.get(f"/api/etl/runs/{run['run_id']}/steps")
        assert steps.status_code == 200
    worker_log = "".join(p.read_text() for p in state.glob("worker-*.log"))
    assert "queue, LISTEN and builds on BENCHSIGHT_WORKER_DATABASE_URL" in worker_log


def test_the_worker_says_which_connection_its_queue_uses():
    pooler = "postgresql://postgres.ref:pw@aws-0-eu.pooler.supabase.com:6543/postgres"
    alone = load_settings(pooler, env={})
    assert "polling every 2 s" in worker_connection_line(alone)
    assert "set BENCHSIGHT_WORKER_DATABASE_URL" in worker_connection_line(alone)
    session = pooler.replace(":6543", ":5432")
    both = load_settings(pooler, env={"BENCHSIGHT_WORKER_DATABASE_URL": session})
    line = worker_connection_line(both)
    assert "BENCHSIGHT_WORKER_DATABASE_URL" in line and "pw" not in line
    assert both.queue_url == session
