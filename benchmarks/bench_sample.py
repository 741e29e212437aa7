"""Generation time of the sample league: 40 and 1,000 tracked games (2 workers).

    .venv/bin/python benchmarks/bench_sample.py [--games 40 1000] [--workers 2]

Writes into a temporary folder that is removed afterwards; prints one line per size with the
wall time, games per second, CPU seconds, bytes written and the peak memory of the parent process.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from benchsight.sample import generate


def _cpu_seconds() -> float:
    """User + system CPU of this process and its finished workers: the figure that does not
    depend on what else the machine runs at the same time."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, nargs="+", default=[40, 1000])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    for games in args.games:
        with tempfile.TemporaryDirectory(prefix="bench_sample_") as tmp:
            cpu_before = _cpu_seconds()
            started = time.perf_counter()
            summary = generate(tmp, teams=8, games=games, seed=7, flaws=0.05, workers=args.workers)
            seconds = time.perf_counter() - started
            cpu = _cpu_seconds() - cpu_before
            size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"{games:>5} tracked games ({summary['scheduled_games']} scheduled, "
                f"{summary['files']} tracker files {summary['formats']}): {seconds:6.1f} s, "
                f"{games / seconds:5.1f} games/s, CPU {cpu:6.1f} s (all processes), "
                f"{size / 1e6:7.1f} MB written, "
                f"parent peak RSS {peak_mb:.0f} MB, workers {args.workers}"
            )


if __name__ == "__main__":
    main()
