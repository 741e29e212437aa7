"""The run queue's API under load: trigger -> worker start latency, status/history p95, pollers.

Targets (issue 6): a triggered run starts within 1 s (LISTEN/NOTIFY, no polling delay); status and
history p95 under 20 ms with 10,000 runs in history; 200 concurrent status pollers served without
errors.

Set-up: a fresh database `benchsight_bench` on the embedded server (or BENCH_DATABASE_URL's
server), migrated; `benchsight serve --with-worker` in its own process (so the load generator
does not share its interpreter); the tiny dbt project of the test suite as the build, so the
figures measure the queue and the API, not the warehouse.
"""

from __future__ import annotations

import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))  # the tiny dbt project lives with the tests that use it

from runs_harness import (  # noqa: E402
    control,
    create_key,
    free_port,
    make_tiny_project,
    prepare_database,
    worker_env,
)
from scratch import bench_server, scratch_database  # noqa: E402

BENCH_DB = "benchsight_bench"
HISTORY_ROWS = 10_000
POLLERS = 200
POLLS_EACH = 10
POLL_INTERVAL = 0.5  # a portal polling twice a second
CLIENT_PROCESSES = 4
TRIGGERS = 5


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def figures(name: str, millis: list[float]) -> None:
    print(
        f"{name:<38} n={len(millis):<5} p50={statistics.median(millis):6.2f} ms  "
        f"p95={percentile(millis, 0.95):6.2f} ms  max={max(millis):7.2f} ms",
        flush=True,
    )


def start_server(url: str, project: Path, home: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**worker_env(url, project, home, stale_after=30.0), "DO_NOT_TRACK": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--with-worker", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=open(home / "server.log", "w"),  # noqa: SIM115 (lives as long as the server)
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"the API did not start; see {home / 'server.log'}")


def trigger_latency(http: httpx.Client, url: str) -> None:
    latencies = []
    for _ in range(TRIGGERS):
        run_id = http.post("/api/etl/trigger", json={"tables": ["numbers"]}).json()["run_id"]
        while http.get(f"/api/etl/runs/{run_id}").json()["status"] not in (
            "succeeded",
            "failed",
            "cancelled",
        ):
            time.sleep(0.2)
        with psycopg.connect(url) as conn:
            waited = conn.execute(
                "select extract(epoch from started_at - created_at) from ops.runs where run_id = %s",
                [run_id],
            ).fetchone()[0]
        latencies.append(float(waited) * 1000)
    figures("trigger -> worker started", latencies)


def fill_history(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            """
            insert into ops.runs (mode, status, source, created_at, started_at, completed_at, progress,
                                  nodes_total, nodes_done, current_step)
            select (array['full', 'incremental', 'single', 'test'])[1 + i %% 4],
                   (array['succeeded', 'failed', 'cancelled'])[1 + i %% 3],
                   'staging',
                   now() - make_interval(mins => %s - i), now() - make_interval(mins => %s - i),
                   now() - make_interval(mins => %s - i) + interval '20 seconds', 100, 70, 70, 'finished'
            from generate_series(1, %s) i
            """,
            [HISTORY_ROWS, HISTORY_ROWS, HISTORY_ROWS, HISTORY_ROWS],
        )
        conn.execute("analyze ops.runs")


def read_latency(http: httpx.Client, url: str) -> None:
    with psycopg.connect(url) as conn:
        low, high = conn.execute("select min(run_id), max(run_id) from ops.runs").fetchone()
    step = max(1, (high - low) // 500)
    status = []
    for run_id in range(low, high + 1, step):
        started = time.perf_counter()
        assert http.get(f"/api/etl/status/{run_id}").status_code == 200
        status.append((time.perf_counter() - started) * 1000)
    figures(f"status ({HISTORY_ROWS:,} runs in history)", status)

    history = []
    cursor = None
    filters = [
        {},
        {"status": "failed"},
        {"mode": "single"},
        {"status": "succeeded", "mode": "full"},
    ]
    for i in range(200):
        params = {"limit": 50, **filters[i % len(filters)]}
        if cursor and i % len(filters) == 0:
            params["cursor"] = cursor
        started = time.perf_counter()
        page = http.get("/api/etl/runs", params=params)
        history.append((time.perf_counter() - started) * 1000)
        assert page.status_code == 200
        if i % len(filters) == 0:
            cursor = page.json()["next_cursor"]
    figures("history page of 50 (filters, cursor)", history)


def _poll_batch(args: tuple[str, str, list[int]]) -> tuple[list[float], list[str]]:
    """One client process: a thread per poller, each with its own keep-alive connection."""
    base, key, ids = args
    timings: list[float] = []
    errors: list[str] = []

    # One client (one connection per poller) per process: creating 50 clients would load the CA
    # bundle 50 times under the GIL and measure that instead of the server.
    limits = httpx.Limits(max_connections=len(ids), max_keepalive_connections=len(ids))
    http = httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=30, limits=limits)

    def poll(run_id: int) -> None:
        for _ in range(POLLS_EACH):
            started = time.perf_counter()
            try:
                response = http.get(f"/api/etl/status/{run_id}")
                if response.status_code != 200:
                    errors.append(str(response.status_code))
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
            timings.append((time.perf_counter() - started) * 1000)
            time.sleep(POLL_INTERVAL)

    threads = [threading.Thread(target=poll, args=(run_id,)) for run_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    http.close()
    return timings, errors


def pollers(base: str, key: str, url: str) -> None:
    """200 pollers, each asking for one run's status every POLL_INTERVAL s, from 4 client processes
    (one Python client process cannot generate this load itself on 2 cores)."""
    with psycopg.connect(url) as conn:
        ids = [
            r[0]
            for r in conn.execute(
                "select run_id from ops.runs order by run_id desc limit %s", [POLLERS]
            ).fetchall()
        ]
    batches = [(base, key, ids[i::CLIENT_PROCESSES]) for i in range(CLIENT_PROCESSES)]
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(CLIENT_PROCESSES) as pool:
        results = pool.map(_poll_batch, batches)
    elapsed = time.perf_counter() - started
    timings = [t for batch, _ in results for t in batch]
    errors = [e for _, batch in results for e in batch]
    figures(f"{POLLERS} concurrent status pollers", timings)
    print(
        f"{'':<38} {len(timings)} requests in {elapsed:.1f} s ({len(timings) / elapsed:.0f}/s), errors: {len(errors)}"
    )


def main() -> int:
    with scratch_database(bench_server(), BENCH_DB) as url:
        measure(url)
    return 0


def measure(url: str) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        home = Path(tmp)
        project = make_tiny_project(home / "project")
        prepare_database(url)
        control(url)
        key = create_key(url, "run")
        server, base = start_server(url, project, home)
        try:
            with httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30
            ) as http:
                trigger_latency(http, url)
                fill_history(url)
                read_latency(http, url)
            pollers(base, key, url)
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    sys.exit(main())
