"""Warehouse build times: the real fixtures, a one-game incremental rebuild, a generated season.

Prints, for each case, the wall time and how it splits between dbt's own start-up (parse,
imports, connection) and the nodes (dbt's `elapsed_time` in run_results.json, which is the SQL
plus dbt's per-node bookkeeping). Targets (issue 5): fixtures load + full build with tests
<= 15 s; one-game incremental rebuild <= 10 s; a 600-game season <= 3 min.

Each case runs in a scratch database of its own on the configured server (DATABASE_URL or the
embedded one), dropped afterwards. Usage: bench_warehouse.py [--season-games N] [--skip-season]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the fixture league's workbook builder

from fixture_league import build_fixture_workbook  # noqa: E402
from scratch import configured_server, scratch_database  # noqa: E402

from benchsight.db import connection_env  # noqa: E402
from benchsight.sample import generate  # noqa: E402
from loaders.tracking import load_tracking_paths  # noqa: E402
from loaders.workbook_load import load_workbook_file  # noqa: E402

FIXTURES = REPO.parent / "shared" / "fixtures" / "tracker"
DBT = str(Path(sys.executable).parent / "dbt")


def load(url: str, workbook: Path, tracker: Path) -> tuple[float, int]:
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        assert not load_workbook_file(conn, workbook).failed
        outcomes = load_tracking_paths(conn, [tracker])
    failed = [o for o in outcomes if o.failed]
    assert not failed, failed[0].reason
    return time.perf_counter() - started, sum(o.event_players or 0 for o in outcomes)


def dbt_env(url: str, games: str = "") -> dict[str, str]:
    return {**os.environ, **connection_env(url), "DO_NOT_TRACK": "1", "BENCHSIGHT_GAME_IDS": games}


def dbt_parse(url: str, target: Path) -> float:
    """Warm dbt's parse cache in `target`, as any earlier dbt command in a checkout has."""
    started = time.perf_counter()
    subprocess.run(
        [DBT, "parse", "--target-path", str(target)],
        cwd=REPO, env=dbt_env(url), capture_output=True, text=True, check=True,
    )  # fmt: skip
    return time.perf_counter() - started


def dbt_build(url: str, target: Path, *args: str, games: str = "") -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [DBT, "build", "--target-path", str(target), *args],
        cwd=REPO, env=dbt_env(url, games), capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"dbt build failed:\n{done.stdout[-3000:]}")
    results = json.loads((target / "run_results.json").read_text())
    nodes = results["results"]
    return {
        "wall": wall,
        "nodes_elapsed": results["elapsed_time"],
        "startup": wall - results["elapsed_time"],
        "nodes": len(nodes),
        "tests": sum(1 for n in nodes if n["unique_id"].startswith(("test.", "unit_test."))),
        "slowest": sorted(nodes, key=lambda n: -n["execution_time"])[:3],
    }


def report(title: str, build: dict, extra: str = "") -> None:
    slowest = ", ".join(
        f"{n['unique_id'].split('.')[-1]} {n['execution_time']:.2f}s" for n in build["slowest"]
    )
    print(
        f"{title}: {build['wall']:.1f} s wall = {build['startup']:.1f} s dbt start-up + "
        f"{build['nodes_elapsed']:.1f} s for {build['nodes']} nodes ({build['tests']} tests){extra}"
    )
    print(f"    slowest nodes: {slowest}")


def bench_fixtures(work: Path) -> None:
    with scratch_database(configured_server(), "bench_wh_fixtures") as url:
        parse_s = dbt_parse(url, work / "target_fixtures")
        print(f"dbt parse with no cache (paid once per checkout, not per build): {parse_s:.1f} s")
        workbook = build_fixture_workbook(FIXTURES, work / "fixtures.xlsx")
        load_s, rows = load(url, workbook, FIXTURES)
        build = dbt_build(url, work / "target_fixtures")
        total = load_s + build["wall"]
        print(
            f"fixtures (6 files + workbook): load {load_s:.2f} s ({rows} event-player rows) + build -> {total:.1f} s total (target 15 s)"
        )
        report("  full build", build)

        with psycopg.connect(url) as conn:
            load_tracking_paths(conn, [FIXTURES / "18969_earlier_export.json"], force=True)
        incremental = dbt_build(
            url,
            work / "target_fixtures",
            "--select",
            "config.materialized:incremental+",
            games="18969",
        )
        report("  one-game incremental rebuild (18969)", incremental, " (target 10 s)")


def bench_season(work: Path, games: int) -> None:
    out = work / "season"
    started = time.perf_counter()
    summary = generate(out, teams=10, games=games, seed=11, flaws=0.05)
    print(
        f"season: generated {summary['tracked_games']} tracked games in {time.perf_counter() - started:.1f} s"
    )
    with scratch_database(configured_server(), "bench_wh_season") as url:
        dbt_parse(url, work / "target_season")
        load_s, rows = load(url, out / "BLB_TABLES.xlsx", out / "tracker")
        print(f"  load {load_s:.1f} s ({rows} event-player rows, {rows / load_s:,.0f} rows/s)")
        build = dbt_build(url, work / "target_season")
        report(f"  full build of {games} games", build, " (target 180 s)")
        with psycopg.connect(url) as conn:
            (first_game,) = conn.execute("select min(game_id) from raw.tracker_games").fetchone()
        incremental = dbt_build(
            url,
            work / "target_season",
            "--select",
            "config.materialized:incremental+",
            games=str(first_game),
        )
        report("  one-game incremental rebuild in the season", incremental, " (target 10 s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--season-games",
        type=int,
        default=600,
        help="tracked games in the season case (default 600)",
    )
    parser.add_argument("--skip-season", action="store_true", help="only the fixture cases")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        bench_fixtures(work)
        if not args.skip_season:
            bench_season(work, args.season_games)
    return 0


if __name__ == "__main__":
    sys.exit(main())
