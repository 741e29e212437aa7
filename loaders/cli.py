"""`benchsight load workbook PATH` and `benchsight load tracking PATH... [--force]`."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    load = subparsers.add_parser(
        "load",
        help="load the league workbook or tracker exports into the raw schema",
        description="Load files into the raw schema. Each game (or the workbook) is written in "
        "one transaction; a rejected file writes nothing and the others still load.",
    )
    kinds = load.add_subparsers(dest="load_kind", metavar="KIND", required=True)

    workbook = kinds.add_parser(
        "workbook",
        help="load BLB_TABLES.xlsx, replacing the 16 raw.blb_* tables",
        description="Load the league workbook (BLB_TABLES.xlsx): every documented sheet replaces "
        "its raw.blb_<sheet> table in one transaction; unknown sheets are recorded and skipped; "
        "a missing sheet or key column rejects the workbook. Exit status 1 when rejected.",
    )
    workbook.add_argument("path", type=Path, metavar="PATH", help="the workbook (.xlsx)")
    workbook.set_defaults(func=run_workbook)

    tracking = kinds.add_parser(
        "tracking",
        help="load tracker exports (JSON or *_tracking.xlsx), newest export of each game wins",
        description="Load tracker exports. Folders are searched recursively for *.json and "
        "*_tracking.xlsx files (JSON there without gameId and events, such as truth.json, is "
        "ignored). A file's game is read from its content; of several exports of a "
        "game the newest (savedAt / export_timestamp) is loaded and older ones are "
        "skipped-older; a file already loaded with the same content is unchanged. Exit status 1 "
        "when any file was rejected.",
    )
    tracking.add_argument("paths", type=Path, nargs="+", metavar="PATH", help="files or folders")
    tracking.add_argument(
        "--force",
        action="store_true",
        help="reload each game's newest file even when it is unchanged or older than the loaded one",
    )
    tracking.set_defaults(func=run_tracking)


def _connect():
    import psycopg

    from benchsight.db import database_url

    # No server-side prepared statements: DATABASE_URL may be a transaction pooler's.
    return psycopg.connect(database_url(), autocommit=True, prepare_threshold=None)


class Progress:
    """A one-line bar on a terminal; a line per file otherwise (logs stay readable)."""

    def __init__(self, stream=sys.stderr) -> None:
        self.stream = stream
        self.tty = stream.isatty()

    def __call__(self, done: int, total: int, outcome) -> None:
        name = Path(outcome.path).name
        if self.tty:
            width = 30
            filled = width * done // max(total, 1)
            bar = "#" * filled + "." * (width - filled)
            self.stream.write(f"\r[{bar}] {done}/{total} {name[:40]:<40}")
            if done == total:
                self.stream.write("\n")
        else:
            self.stream.write(f"{done}/{total} {name}: {outcome.outcome}\n")
        self.stream.flush()


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


def run_tracking(args: argparse.Namespace) -> int:
    from loaders.tracking import find_tracking_files, load_tracking_paths

    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(
            f"benchsight load tracking: no such file or folder: {', '.join(missing)}",
            file=sys.stderr,
        )
        return 2
    if not find_tracking_files(args.paths):
        print(
            "benchsight load tracking: no tracker files (*.json, *_tracking.xlsx) found",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    with _connect() as conn:
        outcomes = load_tracking_paths(conn, args.paths, force=args.force, on_file=Progress())
    elapsed = time.perf_counter() - started
    rows = [
        [
            Path(o.path).name,
            _count(o.game_id),
            o.version or "",
            _count(o.events),
            _count(o.shifts),
            o.outcome,
            o.reason,
        ]
        for o in outcomes
    ]
    print(_table(["file", "game", "version", "events", "shifts", "outcome", "reason"], rows))
    tally = Counter(o.outcome for o in outcomes)
    players = sum(o.event_players or 0 for o in outcomes if o.outcome in ("loaded", "replaced"))
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(tally.items()))
    print(
        f"{len(outcomes)} file(s): {summary}; {players} event-player rows written in {elapsed:.2f} s"
    )
    return 1 if any(o.failed for o in outcomes) else 0


def run_workbook(args: argparse.Namespace) -> int:
    from loaders.workbook_load import load_workbook_file

    if not args.path.is_file():
        print(f"benchsight load workbook: no such file: {args.path}", file=sys.stderr)
        return 2
    with _connect() as conn:
        outcome = load_workbook_file(conn, args.path)
    if outcome.failed:
        print(f"rejected: {outcome.reason}", file=sys.stderr)
        return 1
    rows = [[name, str(count)] for name, count in outcome.tables.items()]
    print(_table(["sheet", "rows"], rows))
    unknown = (
        f"; unknown sheets skipped: {', '.join(outcome.unknown_sheets)}"
        if outcome.unknown_sheets
        else ""
    )
    print(
        f"{args.path.name}: {len(outcome.tables)} tables replaced, {sum(outcome.tables.values())} rows,"
        f" {outcome.warnings} warning(s) in raw.load_warnings{unknown} ({outcome.seconds:.2f} s)"
    )
    return 0
