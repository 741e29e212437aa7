"""`benchsight build`: run `dbt build` on the configured database with a live line per node."""

from __future__ import annotations

import argparse
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    build = subparsers.add_parser(
        "build",
        help="build the warehouse with dbt (models, seeds, tests)",
        description=(
            "Run `dbt build` against the BenchSight database (DATABASE_URL or the embedded "
            "server), printing one line per finished node and a summary. Exits non-zero when a "
            "node fails. Artifacts are kept under .benchsight/builds/<timestamp>/."
        ),
    )
    build.add_argument(
        "--select",
        "-s",
        nargs="+",
        default=[],
        metavar="SELECTOR",
        help="dbt selectors to build (default: everything)",
    )
    build.add_argument(
        "--exclude", nargs="+", default=[], metavar="SELECTOR", help="dbt selectors to leave out"
    )
    build.add_argument(
        "--games",
        nargs="+",
        type=int,
        default=[],
        metavar="GAME_ID",
        help="rebuild only these games (ids the schedule or a loaded tracker file has; others "
        "are refused): the incremental models and everything downstream "
        "(BENCHSIGHT_GAME_IDS), then refresh the ML views concurrently",
    )
    build.add_argument(
        "--full-refresh", action="store_true", help="rebuild incremental models from scratch"
    )
    build.add_argument(
        "--threads", type=int, default=None, help="dbt threads (default: BENCHSIGHT_THREADS, 2)"
    )
    build.add_argument("--project-dir", type=Path, default=None, help=argparse.SUPPRESS)
    build.set_defaults(func=_build)


def _build(args: argparse.Namespace) -> int:
    from benchsight.config import REPO_ROOT, get_settings
    from benchsight.db import connection_env, database_url
    from dbt_project.commands import DbtCommand, dbt_environment
    from dbt_project.runner import run_dbt
    from dbt_project.selection import GAME_SELECTOR, Selection, SelectionError, game_selection

    settings = get_settings()
    project_dir = (args.project_dir or REPO_ROOT).resolve()
    select, games = list(args.select), Selection()
    if args.games:
        try:
            games = game_selection(args.games)
        except SelectionError as exc:
            print(f"benchsight build: {exc}", file=sys.stderr)
            return 2
        unknown = _unknown_games(database_url(), args.games)
        if unknown:
            # As the API answers 400 unknown_games: a game id that names nothing is refused,
            # not built as an empty selection that reports success.
            print(
                f"benchsight build: --games: unknown game ids: {', '.join(map(str, unknown))}"
                " (neither the schedule nor a loaded tracker file has them)",
                file=sys.stderr,
            )
            return 2
        select = [f"{GAME_SELECTOR},{s}" for s in select] if select else list(games.select)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = settings.state_dir / "builds" / stamp
    command = DbtCommand(
        "build",
        select=select,
        exclude=list(args.exclude) + list(games.exclude),
        full_refresh=args.full_refresh,
        threads=args.threads or settings.threads,
        target_path=target,
    )
    env = {**dbt_environment(connection_env(database_url()), "benchsight-build"), **games.dbt_env()}
    printer = _ProgressPrinter()
    cancel = threading.Event()
    try:
        outcome = run_dbt(command, project_dir, env, printer, cancel)
    except KeyboardInterrupt:
        cancel.set()
        raise
    _print_summary(outcome, target)
    if outcome.status != "succeeded":
        return 1
    if args.games:
        return _refresh_ml_views(database_url())
    return 0


def _unknown_games(url: str, game_ids: list[int]) -> list[int]:
    """The ids of `game_ids` that neither the schedule nor the tracking knows."""
    import psycopg

    from loaders.tables import RAW_GAME_SOURCES, known_games_query

    wanted = sorted(set(game_ids))
    with psycopg.connect(url) as conn:
        query = known_games_query(conn.execute(RAW_GAME_SOURCES).fetchone(), wanted)
        known = {r[0] for r in conn.execute(*query)} if query else set()
    return [g for g in wanted if g not in known]


def _refresh_ml_views(url: str) -> int:
    """A game build leaves the ML views out (selection.GAME_EXCLUDE): refresh them concurrently,
    as the worker's ML step does, so their predictions include the games just built."""
    import psycopg

    from benchsight.ml.registry import ml_views, refresh_views

    with psycopg.connect(url, autocommit=True) as conn:
        if not ml_views(conn):
            return 0
        try:
            done = refresh_views(conn)
        except psycopg.Error as exc:
            print(f"benchsight build: refreshing the ML views failed: {exc}", file=sys.stderr)
            return 1
    print(f"  ML views:     {len(done)} refreshed in {sum(s for _, s in done):.1f} s")
    return 0


class _ProgressPrinter:
    """One line per finished node: `[ 12/70  17%] OK    stg_tracker__events  0.21s  (1234 rows)`."""

    def __init__(self) -> None:
        self.total = 0
        self.printed: set[str] = set()
        self.logs_seen = False

    def on_start(self, pid: int) -> None:
        print(f"dbt started (pid {pid}); parsing the project ...", flush=True)

    def on_progress(self, progress) -> None:
        self.total = progress.total
        self.progress = progress

    def on_node_started(self, unique_id: str, name: str, resource_type: str) -> None:
        return None

    def on_node_finished(self, node) -> None:
        if node.unique_id in self.printed:
            return
        self.printed.add(node.unique_id)
        label = {
            "success": "OK",
            "pass": "PASS",
            "error": "ERROR",
            "fail": "FAIL",
            "skipped": "SKIP",
            "warn": "WARN",
        }.get(node.status, node.status.upper())
        done = len(self.printed)
        percent = 100 * done / self.total if self.total else 100
        seconds = f"{node.seconds:6.2f}s" if node.seconds is not None else "       "
        rows = f"  ({node.rows_affected} rows)" if node.rows_affected else ""
        print(
            f"[{done:>4}/{self.total:<4} {percent:3.0f}%] {label:<5} {node.resource_type:<6} {node.name}  {seconds}{rows}",
            flush=True,
        )

    def on_log(self, line) -> None:
        if line.level == "error" and line.event in (
            "stderr",
            "stdout",
            "MainEncounteredError",
            "CompilationError",
        ):
            print(line.message, file=sys.stderr, flush=True)


def _print_summary(outcome, target: Path) -> None:
    models = outcome.count(("model", "seed", "snapshot"))
    models_ok = outcome.count(("model", "seed", "snapshot"), ("success",))
    tests = outcome.count(("test", "unit_test"))
    tests_ok = outcome.count(("test", "unit_test"), ("pass",))
    failures = [n for n in outcome.nodes if n.failed]
    skipped = outcome.count(("model", "seed", "snapshot", "test", "unit_test"), ("skipped",))
    print()
    print(f"build {outcome.status} in {outcome.seconds:.1f} s")
    print(f"  models/seeds: {models_ok} of {models} built")
    print(f"  tests:        {tests_ok} of {tests} passed")
    print(f"  skipped:      {skipped}")
    print(f"  failures:     {len(failures)}")
    for node in failures[:10]:
        first_line = (node.message or "").strip().splitlines()[:2]
        print(f"    - {node.name}: {' '.join(s.strip() for s in first_line)}")
    if len(failures) > 10:
        print(f"    ... and {len(failures) - 10} more (see {target / 'run_results.json'})")
    if not outcome.nodes and outcome.errors:
        for error in outcome.errors[:5]:
            print(f"    - {error['message']}")
    print(f"  artifacts:    {target}")
