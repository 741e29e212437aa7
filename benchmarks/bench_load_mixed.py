"""The API under mixed load: 200 concurrent status/SSE clients, 20 tracker uploads and builds
running back to back, for 60 s. Prints p50/p95/p99 per endpoint, the errors (none expected) and
the server's memory (RSS) before and after.

    .venv/bin/python benchmarks/bench_load_mixed.py [--seconds 60] [--status 150] [--sse 50]
        [--report docs/benchmarks.md]

Set-up as bench_api: a scratch database on the benchmarks' own server, `benchsight serve
--with-worker` in its own process, the tiny dbt project of the test suite as the build (the
queue and the API are measured, not the warehouse). The uploads are the real fixture exports
(../shared/fixtures/tracker), posted to /api/games/{id}/tracking. The status and SSE clients run
in 4 processes (an event loop each), the builder and the uploads in this one; they share the
machine with the server, and the load average is printed with the figures: on a busy machine the
latencies include waiting for a CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from bench_api import percentile, start_server  # noqa: E402
from report import write_section  # noqa: E402
from runs_harness import control, create_key, make_tiny_project, prepare_database  # noqa: E402
from scratch import bench_server, scratch_database  # noqa: E402

FIXTURES = REPO.parent / "shared" / "fixtures" / "tracker"
UPLOADS = {18969: "18969.json", 18981: "18981.json", 19038: "19038_partial.json"}
TERMINAL = ("succeeded", "failed", "cancelled")
CLIENT_PROCESSES = 4


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Tally:
    def __init__(self) -> None:
        self.millis: dict[str, list[float]] = {}
        self.errors: dict[str, list[str]] = {}

    def ok(self, name: str, started: float) -> None:
        self.millis.setdefault(name, []).append((time.perf_counter() - started) * 1000)

    def error(self, name: str, what: str) -> None:
        self.errors.setdefault(name, []).append(what)


async def latest_run(http: httpx.AsyncClient) -> int | None:
    page = (await http.get("/api/etl/runs", params={"limit": 1})).json()
    runs = page.get("runs") or page.get("items") or []
    return runs[0]["run_id"] if runs else None


async def status_client(base: str, key: str, tally: Tally, state: dict, until: float) -> None:
    """A portal polling a run's status twice a second, on one keep-alive connection written by
    hand: httpx costs a few ms of CPU per request, which on 2 cores is taken from the server."""
    host, port = base.removeprefix("http://").split(":")
    reader = writer = None
    while time.monotonic() < until:
        run_id = state.get("run_id")
        if run_id is not None:
            started = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, int(port))
                writer.write(
                    f"GET /api/etl/status/{run_id} HTTP/1.1\r\nHost: {host}\r\n"
                    f"Authorization: Bearer {key}\r\n\r\n".encode()
                )
                status = int((await reader.readline()).split()[1])
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                body = await reader.readexactly(length)
                if status == 200:
                    tally.ok("GET /api/etl/status/{id}", started)
                else:
                    tally.error("status", f"{status} {body[:100]!r}")
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
                tally.error("status", repr(exc))
                writer = None
        await asyncio.sleep(0.5)
    if writer is not None:
        writer.close()


async def sse_client(http, tally: Tally, state: dict, until: float) -> None:
    """Follow the current run's events to its end, then the next run's."""
    followed = None
    while time.monotonic() < until:
        run_id = state.get("run_id")
        if run_id is None or run_id == followed:
            await asyncio.sleep(0.3)
            continue
        followed = run_id
        started = time.perf_counter()
        first = True
        try:
            async with http.stream("GET", f"/api/etl/runs/{run_id}/events") as response:
                if response.status_code != 200:
                    tally.error("events", f"{response.status_code}")
                    continue
                async for line in response.aiter_lines():
                    if first and line.startswith("event:"):
                        tally.ok("GET /api/etl/runs/{id}/events (first event)", started)
                        first = False
                    if line == "event: end":
                        tally.ok("GET /api/etl/runs/{id}/events (to the end)", started)
                        break
        except httpx.HTTPError as exc:
            tally.error("events", repr(exc))


async def builder(http, tally: Tally, state: dict, until: float) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            response = await http.post("/api/etl/trigger", json={"mode": "full"})
        except httpx.HTTPError as exc:
            tally.error("trigger", repr(exc))
            continue
        if response.status_code != 202:
            tally.error("trigger", f"{response.status_code} {response.text[:100]}")
            await asyncio.sleep(1)
            continue
        tally.ok("POST /api/etl/trigger", started)
        run_id = response.json()["run_id"]
        state["run_id"] = run_id
        while True:
            await asyncio.sleep(0.5)
            try:
                response = await http.get(f"/api/etl/runs/{run_id}")
            except httpx.HTTPError as exc:
                tally.error("run", repr(exc))
                continue
            if response.status_code != 200:
                tally.error("run", f"{response.status_code} {response.text[:160]}")
                continue
            run = response.json()
            if run["status"] in TERMINAL:
                state.setdefault("builds", []).append(run["status"])
                if run["status"] != "succeeded":
                    tally.error("build", f"run {run_id} {run['status']}: {run.get('errors')}")
                break


async def uploader(http, tally: Tally, count: int, seconds: float) -> None:
    files = [(game, (FIXTURES / name).read_bytes(), name) for game, name in UPLOADS.items()]
    for i in range(count):
        game, data, name = files[i % len(files)]
        started = time.perf_counter()
        try:
            response = await http.post(
                f"/api/games/{game}/tracking",
                files={"file": (name, data, "application/json")},
            )
            if response.status_code == 200:
                tally.ok("POST /api/games/{id}/tracking", started)
            else:
                tally.error("upload", f"{response.status_code} {response.text[:160]}")
        except httpx.HTTPError as exc:
            tally.error("upload", repr(exc))
        await asyncio.sleep(seconds / count)


async def watch_latest(http, state: dict, until: float) -> None:
    """A client process's view of the current run (the builder runs in the main process)."""
    while time.monotonic() < until:
        with contextlib.suppress(httpx.HTTPError):
            state["run_id"] = await latest_run(http) or state.get("run_id")
        await asyncio.sleep(0.5)


def client_process(base: str, key: str, status: int, sse: int, seconds: float) -> Tally:
    """One process's share of the status and SSE clients (one event loop, one httpx client)."""

    async def run() -> Tally:
        tally, state = Tally(), {}
        limits = httpx.Limits(max_connections=status + sse + 5)
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"},
                                     timeout=60, limits=limits) as http:  # fmt: skip
            state["run_id"] = await latest_run(http)
            until = time.monotonic() + seconds
            tasks = [watch_latest(http, state, until)]
            tasks += [status_client(base, key, tally, state, until) for _ in range(status)]
            tasks += [sse_client(http, tally, state, until) for _ in range(sse)]
            await asyncio.gather(*tasks)
        return tally

    return asyncio.run(run())


async def load(base: str, key: str, args) -> Tally:
    """The builder and the uploads here; the status and SSE clients in CLIENT_PROCESSES
    processes: one Python process making 200 clients' requests is CPU-bound by itself (measured:
    89 % of a core while the server used 17 %), and its own queueing would be counted as the
    server's latency."""
    tally = Tally()
    state: dict = {}
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(CLIENT_PROCESSES, mp_context=get_context("spawn")) as pool:
        shares = [
            loop.run_in_executor(pool, client_process, base, key,
                                 len(range(i, args.status, CLIENT_PROCESSES)),
                                 len(range(i, args.sse, CLIENT_PROCESSES)), args.seconds)
            for i in range(CLIENT_PROCESSES)
        ]  # fmt: skip
        async with httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60
        ) as http:
            until = time.monotonic() + args.seconds
            await asyncio.gather(
                builder(http, tally, state, until), uploader(http, tally, 20, args.seconds)
            )
        for share in await asyncio.gather(*shares):
            for name, millis in share.millis.items():
                tally.millis.setdefault(name, []).extend(millis)
            for name, errors in share.errors.items():
                tally.errors.setdefault(name, []).extend(errors)
    tally.builds = state.get("builds", [])
    return tally


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--status", type=int, default=150)
    parser.add_argument("--sse", type=int, default=50)
    parser.add_argument("--report", type=Path, help="write the figures as a section of this file")
    args = parser.parse_args()
    with (
        scratch_database(bench_server(), "benchsight_bench_mixed") as url,
        tempfile.TemporaryDirectory(prefix="bench-mixed-") as tmp,
    ):
        home = Path(tmp)
        project = make_tiny_project(home / "project")
        prepare_database(url)
        control(url)
        key = create_key(url, "admin")
        server, base = start_server(url, project, home)
        try:
            # Warm up: the first build parses the project, the first upload imports the loaders.
            warm = asyncio.run(load(base, key, argparse.Namespace(seconds=8, status=5, sse=2)))
            if warm.errors:
                print(f"warm-up errors: {warm.errors}")
            before = rss_kib(server.pid)
            load_before = os.getloadavg()
            started = time.perf_counter()
            tally = asyncio.run(load(base, key, args))
            elapsed = time.perf_counter() - started
            time.sleep(2)
            after = rss_kib(server.pid)
        finally:
            server.terminate()
            server.wait(30)
    errors = sum(len(v) for v in tally.errors.values())
    growth = (after - before) / before * 100 if before else float("nan")
    builds = tally.builds
    lines = [
        "## The API under mixed load",
        "",
        f"`benchmarks/bench_load_mixed.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC:"
        f" {args.status} status + {args.sse} SSE clients, 20 tracker uploads and builds back to"
        f" back for {elapsed:.1f} s; load average before {load_before[0]:.1f},"
        f" after {os.getloadavg()[0]:.1f}.",
        "",
        "| endpoint | requests | p50 (ms) | p95 (ms) | p99 (ms) |",
        "|---|---|---|---|---|",
    ]
    for name, millis in sorted(tally.millis.items()):
        lines.append(
            f"| {name} | {len(millis)} | {statistics.median(millis):.1f} |"
            f" {percentile(millis, 0.95):.1f} | {percentile(millis, 0.99):.1f} |"
        )
    lines += [
        "",
        f"Builds: {len(builds)} ({builds.count('succeeded')} succeeded). Errors: {errors}"
        + "".join(
            f"; {name}: {len(items)}, first: {items[0]}" for name, items in tally.errors.items()
        )
        + f". Server RSS: before {before / 1024:.1f} MiB, after {after / 1024:.1f} MiB"
        f" ({growth:+.1f} %; bar +10 %).",
    ]
    print("\n".join(lines))
    if args.report:
        write_section(args.report, "load_mixed", "\n".join(lines))
        print(f"report: {args.report}")
    return 0 if errors == 0 and growth <= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
