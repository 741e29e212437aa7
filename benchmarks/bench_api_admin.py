"""The admin API's write and read paths: tracker uploads, staging rows, the games list.

Prints: seconds per tracker upload through POST /api/games/{id}/tracking (a real 1.1 MB JSON
export and its xlsx, each a full validate + atomic replace), staging rows per second through
POST /api/staging/blb-tables/upload, and p50/p95 of GET /api/games (2,000 scheduled games, one
page of 100, filtered by team) and GET /api/games/{id}/status.

Set-up: a fresh database `benchsight_bench_admin` on the embedded server (or BENCH_DATABASE_URL's
server), migrated; the real app under uvicorn in this process (runs_harness.api_server); no
worker and no build, so the figures measure the API and the loaders, not dbt.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from runs_harness import api_server, api_settings, create_key, make_tiny_project  # noqa: E402
from scratch import bench_server, scratch_database  # noqa: E402

BENCH_DB = "benchsight_bench_admin"
FIXTURES = REPO.parent / "shared" / "fixtures"
GAMES = 2_000
STAGING_ROWS = 20_000
REQUESTS = 200
UPLOADS = 5
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def percentiles(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=20)
    return f"p50 {statistics.median(samples) * 1000:.1f} ms, p95 {cuts[18] * 1000:.1f} ms"


def timed(call) -> float:
    started = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - started
    assert response.status_code < 300, response.text
    return elapsed


def upload(http: httpx.Client, name: str, data: bytes, content_type: str) -> float:
    """Seconds for one POST /api/games/18969/tracking."""
    return timed(
        lambda: http.post("/api/games/18969/tracking", files={"file": (name, data, content_type)})
    )


def main() -> None:
    with scratch_database(bench_server(), BENCH_DB) as url:
        measure(url)


def measure(url: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = make_tiny_project(root / "project")
        (root / "state").mkdir()
        settings = api_settings(
            url,
            project,
            root / "state",
            max_body_bytes=64 * 1024 * 1024,
            max_upload_bytes=64 * 1024 * 1024,
        )
        with api_server(settings) as base_url:
            key = create_key(url, "admin")
            http = httpx.Client(
                base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=300
            )
            schedule = [
                {
                    "game_id": 100_000 + i,
                    "season_id": f"S{i % 4}",
                    "date": "2025-10-01",
                    "home_team_id": f"T{i % 12}",
                    "away_team_id": f"T{(i + 5) % 12}",
                    "home_total_goals": i % 7,
                    "away_total_goals": i % 5,
                }
                for i in range(GAMES)
            ]
            seconds = timed(
                lambda: http.post(
                    "/api/staging/blb-tables/upload",
                    json={"table_name": "dim_schedule", "data": schedule, "replace": True},
                )
            )
            print(f"schedule: {GAMES} rows replaced in {seconds:.2f} s")
            players = [
                {
                    "player_id": f"P{i}",
                    "player_full_name": f"Player {i}",
                    "birth_year": 1980 + i % 30,
                }
                for i in range(STAGING_ROWS)
            ]
            seconds = timed(
                lambda: http.post(
                    "/api/staging/blb-tables/upload",
                    json={"table_name": "dim_player", "data": players, "replace": True},
                )
            )
            print(
                f"staging upload: {STAGING_ROWS} dim_player rows in {seconds:.2f} s"
                f" ({STAGING_ROWS / seconds:,.0f} rows/s)"
            )

            earlier = (FIXTURES / "tracker" / "18969_earlier_export.json").read_bytes()
            for path, content_type in (
                (FIXTURES / "tracker" / "18969.json", "application/json"),
                (FIXTURES / "tracker_xlsx" / "v29" / "18969_tracking.xlsx", XLSX),
            ):
                data = path.read_bytes()
                samples = []
                for _ in range(UPLOADS):
                    # Alternate with another export of the game so every upload is a real replace.
                    upload(http, "earlier.json", earlier, "application/json")
                    samples.append(upload(http, path.name, data, content_type))
                print(
                    f"tracking upload {path.name} ({len(data) / 1e6:.2f} MB): median"
                    f" {statistics.median(samples):.2f} s, max {max(samples):.2f} s over {UPLOADS}"
                )

            listing = [
                timed(lambda: http.get("/api/games", params={"limit": 100}))
                for _ in range(REQUESTS)
            ]
            print(f"GET /api/games ({GAMES + 1} games, page of 100): {percentiles(listing)}")
            filtered = [
                timed(lambda: http.get("/api/games", params={"team_id": "T3", "limit": 100}))
                for _ in range(REQUESTS)
            ]
            print(f"GET /api/games?team_id=: {percentiles(filtered)}")
            status = [timed(lambda: http.get("/api/games/18969/status")) for _ in range(REQUESTS)]
            print(f"GET /api/games/18969/status: {percentiles(status)}")
            http.close()


if __name__ == "__main__":
    main()
