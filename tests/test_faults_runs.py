"""Faults around the run queue on the shared test server (nothing here kills PostgreSQL): two
workers on one database, either killed mid-run; the API restarted while a client follows a run's
event stream and reconnects with Last-Event-ID.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from runs_harness import (
    client,
    control,
    create_key,
    free_port,
    make_tiny_project,
    prepare_database,
    spawned,
    tiny_api,
    wait_for,
    wait_terminal,
    worker_env,
    worker_process,
)

pytestmark = pytest.mark.slow
STALE_AFTER = 4.0


def run_rows(url: str, *run_ids: int) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select run_id, status, started_at, completed_at, worker from ops.runs"
            " where run_id = any(%s) order by started_at",
            [list(run_ids)],
        ).fetchall()


def test_two_workers_build_one_at_a_time_and_a_killed_one_is_recovered(db_url, tmp_path):
    with tiny_api(db_url, tmp_path, STALE_AFTER) as (http, project, state):
        http.timeout = 120
        control(db_url, sleep_seconds=1.5)
        with (
            worker_process(db_url, project, state, STALE_AFTER) as first,
            worker_process(db_url, project, state, STALE_AFTER) as second,
        ):
            # slow reads doubled: the first build makes it.
            selections = [["numbers", "doubled", "slow"], ["slow"]]
            ids = [
                http.post("/api/etl/trigger", json={"tables": tables}).json()["run_id"]
                for tables in selections
            ]
            for run_id in ids:
                ended = wait_terminal(http, run_id, timeout=120)
                assert ended["status"] == "succeeded", (ended["errors"], ended["current_step"])
            rows = run_rows(db_url, *ids)
            for before, after in itertools.pairwise(rows):
                assert before[3] <= after[2], f"runs overlapped: {before} {after}"

            control(db_url, sleep_seconds=120)
            stuck = http.post("/api/etl/trigger", json={"tables": ["slow"]}).json()["run_id"]
            behind = http.post("/api/etl/trigger", json={"tables": ["numbers"]}).json()["run_id"]
            wait_for(
                lambda: http.get(f"/api/etl/status/{stuck}").json()["current_node"] == "slow",
                90,
                what="slow to start",
            )
            owner = run_rows(db_url, stuck)[0][4]
            doomed, survivor = (
                (first, second) if owner.endswith(f":{first.pid}") else (second, first)
            )
            assert owner.endswith(f":{doomed.pid}"), (owner, first.pid, second.pid)
            os.killpg(doomed.pid, signal.SIGKILL)
            doomed.wait(10)
            failed = wait_terminal(http, stuck, timeout=60)
            assert failed["status"] == "failed"
            assert "worker running this build stopped" in failed["errors"][-1]["message"]
            done = wait_terminal(http, behind, timeout=90)
            assert done["status"] == "succeeded"
            assert run_rows(db_url, behind)[0][4].endswith(f":{survivor.pid}")
            # One at a time: the queued build started only after the killed one was settled.
            assert run_rows(db_url, behind)[0][2] >= run_rows(db_url, stuck)[0][3]
            assert survivor.poll() is None


def api_process(env: dict[str, str], port: int, log: Path):
    return spawned(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)], env, log,
        append=True, stop=signal.SIGKILL,
    )  # fmt: skip


def wait_healthy(base: str, proc: subprocess.Popen, log: Path) -> None:
    def healthy():
        assert proc.poll() is None, log.read_text()
        try:
            return httpx.get(f"{base}/api/health", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(healthy, 90, 0.2, "the API to answer")


def read_events(response: httpx.Response, until) -> Iterator[dict]:
    """Parsed SSE events ({event, id, data}) of a streaming response, until `until(event)`."""
    event: dict = {}
    for line in response.iter_lines():
        if not line:
            if event:
                yield event
                if until(event):
                    return
            event = {}
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "data":
            event["data"] = (event.get("data", "") + "\n" + value).lstrip("\n")
        elif field in ("event", "id"):
            event[field] = value


def test_api_restarted_mid_stream_the_client_resumes_with_last_event_id(db_url, tmp_path):
    project = make_tiny_project(tmp_path / "project")
    state = tmp_path / "state"
    state.mkdir()
    with psycopg.connect(db_url) as conn:
        prepared = conn.execute("select to_regclass('public.tiny_control')").fetchone()[0]
    if prepared is None:  # the module's other test may have prepared it
        prepare_database(db_url)
    control(db_url, sleep_seconds=6)
    env = worker_env(db_url, project, state, STALE_AFTER)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "api.log"
    key = create_key(db_url, "run")
    with worker_process(db_url, project, state, STALE_AFTER):
        with api_process(env, port, log) as api:
            wait_healthy(base, api, log)
            with client(base, key) as http:
                http.timeout = 120
                run_id = http.post(
                    "/api/etl/trigger", json={"tables": ["numbers", "doubled", "slow"]}
                ).json()["run_id"]
                with http.stream("GET", f"/api/etl/runs/{run_id}/events") as stream:
                    seen = list(read_events(stream, lambda e: e.get("event") == "node"))
            last_id = max(int(e["id"]) for e in seen if "id" in e)
            os.killpg(api.pid, signal.SIGKILL)
            api.wait()
        with psycopg.connect(db_url) as conn:
            status = conn.execute(
                "select status from ops.runs where run_id = %s", [run_id]
            ).fetchone()[0]
        assert status == "running", "the run should outlive the API restart"

        with api_process(env, port, log) as api, client(base, key) as http:
            wait_healthy(base, api, log)
            http.timeout = 120
            with http.stream(
                "GET",
                f"/api/etl/runs/{run_id}/events",
                headers={"Last-Event-ID": str(last_id)},
            ) as stream:
                resumed = list(read_events(stream, lambda e: e.get("event") == "end"))

    with psycopg.connect(db_url) as conn:
        all_logs = [
            r[0]
            for r in conn.execute(
                "select log_id from ops.run_logs where run_id = %s order by log_id", [run_id]
            )
        ]
    resumed_logs = [int(e["id"]) for e in resumed if e.get("event") == "log"]
    assert resumed_logs == [i for i in all_logs if i > last_id]
    assert resumed[-1]["event"] == "end"
    assert json.loads(resumed[-1]["data"])["status"] == "succeeded"
    nodes = {json.loads(e["data"])["name"] for e in resumed if e.get("event") == "node"}
    assert {"numbers", "doubled", "slow"} <= nodes
