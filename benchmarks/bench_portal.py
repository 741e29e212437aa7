"""Portal load time with a 600-game season: from navigation until the page shows its data.

A scratch database gets the fixture league's workbook plus 600 more scheduled games (the real
workbook loader, table dim_schedule), the real API serves it, and Debian's chromium (Playwright,
tests/portal_browser.py) opens the portal: `games` is ready when the games table shows its
first page, `pipeline` when the runs and schedules tables have answered (the trigger form's search lists
load when a field is first focused). The API calls behind them are timed alone too. Target: < 1 s. Usage: bench_portal.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "tests"))

from fixture_league import SEASON_ID, build_fixture_workbook  # noqa: E402
from portal_browser import browser  # noqa: E402
from runs_harness import api_server, api_settings, create_key, make_tiny_project  # noqa: E402
from scratch import configured_server, scratch_database  # noqa: E402

from loaders.workbook_load import load_workbook_file, load_workbook_rows  # noqa: E402

FIXTURES = REPO.parent / "shared" / "fixtures" / "tracker"
GAMES = 600
TEAMS = ["N10001", "N10002", "N10003", "N10004"]


def season_rows(count: int) -> list[dict]:
    start = date(2025, 9, 1)
    rows = []
    for i in range(count):
        home, away = TEAMS[i % 4], TEAMS[(i + 1 + i // 4) % 4]
        if home == away:
            away = TEAMS[(i + 2) % 4]
        rows.append({
            "game_id": str(90000 + i), "season_id": SEASON_ID,
            "date": (start + timedelta(days=i // 4)).isoformat(),
            "home_team_id": home, "away_team_id": away,
            "home_total_goals": str(i % 6), "away_total_goals": str((i * 7) % 5),
            "schedule_type": "Past",
        })  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory() as tmp,
        scratch_database(configured_server(), "bench_portal") as url,
    ):
        work = Path(tmp)
        workbook = build_fixture_workbook(FIXTURES, work / "BLB_TABLES.xlsx")
        with psycopg.connect(url) as conn:
            assert not load_workbook_file(conn, workbook).failed
            assert not load_workbook_rows(
                conn, "dim_schedule", season_rows(GAMES), replace=False
            ).failed
            (games,) = conn.execute(
                "select count(distinct game_id) from raw.blb_dim_schedule"
            ).fetchone()
        key = create_key(url, "admin")
        settings = api_settings(url, make_tiny_project(work / "project"), work / "state")
        results: dict[str, list[float]] = {"games": [], "pipeline": []}
        with api_server(settings) as base, browser() as chromium:
            context = chromium.new_context(viewport={"width": 1280, "height": 900})
            context.add_init_script(f"localStorage.setItem('benchsight.key', {key!r})")
            page = context.new_page()
            for round_ in range(args.rounds + 1):  # the first round warms the server
                for view, ready in (
                    ("games", "document.querySelectorAll('#games-table tr a').length >= 50"),
                    (
                        "pipeline",
                        "document.querySelector('#runs td') !== null &&"
                        " document.querySelector('#schedules td') !== null",
                    ),
                ):
                    page.goto("about:blank")
                    page.goto(f"{base}/portal#{view}")
                    page.wait_for_function(ready, timeout=30_000, polling="raf")
                    # The browser's own clock: from the navigation's start to the data shown.
                    seconds = page.evaluate("performance.now()") / 1000
                    if round_:
                        results[view].append(seconds)
            context.close()
            calls = {}
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as http:
                for path in (
                    "/api/games?limit=50",
                    "/api/games?limit=500",
                    "/api/etl/runs?limit=15",
                ):
                    times = []
                    for _ in range(args.rounds):
                        started = time.perf_counter()
                        assert http.get(path).status_code == 200
                        times.append(time.perf_counter() - started)
                    calls[path] = statistics.median(times)
        print(f"season: {games} scheduled games in raw.blb_dim_schedule")
        for path, seconds in calls.items():
            print(f"  GET {path}: median {seconds * 1000:.0f} ms")
        for view, times in results.items():
            print(
                f"portal ready ({view}): median {statistics.median(times):.3f} s, max"
                f" {max(times):.3f} s over {len(times)} loads (target < 1 s)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
