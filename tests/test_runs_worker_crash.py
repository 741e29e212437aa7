"""A worker killed mid-run: its run does not stay `running`, and a new worker finishes the queue."""

from __future__ import annotations

import os
import signal

import psycopg
import pytest
from runs_harness import control, process_alive, tiny_api, wait_for, wait_terminal, worker_process

pytestmark = pytest.mark.slow
STALE_AFTER = 4.0


def test_killed_worker_run_is_failed_and_the_next_worker_finishes_the_queue(db_url, tmp_path):
    with tiny_api(db_url, tmp_path, STALE_AFTER) as (http, project, state):
        control(db_url, sleep_seconds=120)
        with worker_process(db_url, project, state, STALE_AFTER) as doomed:
            stuck = http.post("/api/etl/trigger", json={"tables": ["slow"]}).json()["run_id"]
            behind = http.post("/api/etl/trigger", json={"tables": ["numbers"]}).json()["run_id"]
            wait_for(
                lambda: http.get(f"/api/etl/status/{stuck}").json()["current_node"] == "slow",
                60,
                what="slow to start",
            )
            with psycopg.connect(db_url) as conn:
                dbt_pid = conn.execute(
                    "select dbt_pid from ops.runs where run_id = %s", [stuck]
                ).fetchone()[0]
            os.killpg(doomed.pid, signal.SIGKILL)  # the worker only: dbt has its own process group
            doomed.wait(10)
            assert process_alive(dbt_pid), "dbt should outlive its worker until someone notices"
            assert http.get(f"/api/etl/status/{stuck}").json()["status"] == "running"

        with worker_process(db_url, project, state, STALE_AFTER):
            failed = wait_terminal(http, stuck, timeout=40)
            assert failed["status"] == "failed"
            assert "worker running this build stopped" in failed["errors"][-1]["message"]
            wait_for(lambda: not process_alive(dbt_pid), 15, what="the orphaned dbt to be stopped")
            with psycopg.connect(db_url) as conn:
                left = conn.execute(
                    "select count(*) from pg_stat_activity where application_name = %s",
                    [f"benchsight-run-{stuck}"],
                ).fetchone()[0]
            assert left == 0
            done = wait_terminal(http, behind, timeout=60)
            assert done["status"] == "succeeded"
            assert [
                s["name"] for s in http.get(f"/api/etl/runs/{behind}/steps").json()["steps"]
            ] == ["numbers"]
