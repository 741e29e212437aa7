"""Cancelling a running build stops dbt quickly: the run ends `cancelled`, the dbt process is gone
and no database session of the run is left, all within three seconds of the cancel request.

Timed with a real clock on a real build: the tiny project's `slow` model sits in pg_sleep, the
worker is a separate process, the cancel goes through the HTTP API like the portal's.
"""

from __future__ import annotations

import time

import psycopg
import pytest
from runs_harness import control, process_alive, tiny_api, wait_for, worker_process

pytestmark = pytest.mark.slow
CANCEL_WITHIN_SECONDS = 3.0


def test_cancel_of_a_running_build_ends_dbt_and_its_queries_within_three_seconds(
    db_url: str, tmp_path
):
    with (
        tiny_api(db_url, tmp_path) as (http, project, state),
        worker_process(db_url, project, state),
        psycopg.connect(db_url, autocommit=True) as conn,
    ):
        control(db_url, sleep_seconds=120)
        run_id = http.post("/api/etl/trigger", json={"tables": ["+slow"]}).json()["run_id"]
        app_name = f"benchsight-run-{run_id}"

        def backends() -> int:
            return conn.execute(
                "select count(*) from pg_stat_activity where application_name = %s", [app_name]
            ).fetchone()[0]

        def sleeping() -> bool:
            return bool(
                conn.execute(
                    "select 1 from pg_stat_activity where application_name = %s"
                    " and state = 'active' and query like '%%pg_sleep%%'",
                    [app_name],
                ).fetchone()
            )

        wait_for(sleeping, 90, 0.1, "the slow model's pg_sleep query")
        dbt_pid = conn.execute(
            "select dbt_pid from ops.runs where run_id = %s", [run_id]
        ).fetchone()[0]
        assert process_alive(dbt_pid)

        started = time.monotonic()
        answer = http.post(f"/api/etl/cancel/{run_id}")
        assert answer.status_code == 200 and answer.json()["status"] in ("cancelling", "cancelled")

        def stopped() -> bool:
            status = http.get(f"/api/etl/status/{run_id}").json()["status"]
            return status == "cancelled" and not process_alive(dbt_pid) and backends() == 0

        wait_for(stopped, 30, 0.05, "the cancelled run to stop")
        elapsed = time.monotonic() - started
        print(f"cancel took {elapsed:.2f} s")
        assert elapsed < CANCEL_WITHIN_SECONDS, f"cancel took {elapsed:.2f} s"
        final = http.get(f"/api/etl/status/{run_id}").json()
        assert final["status"] == "cancelled" and final["current_node"] is None
        control(db_url)
