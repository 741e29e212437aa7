"""Run every benchmark script in this folder and print its figures.

Each `bench_*.py` is a standalone script that prints its own figures; this runner executes them
one after another (never in parallel: they measure this machine) and says which failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# These benchmarks also rewrite their sections of the report the README links.
REPORT = str(HERE.parent / "docs" / "benchmarks.md")
ARGS = {"bench_warehouse": ["--report", REPORT], "bench_load_mixed": ["--report", REPORT]}


def main(argv: list[str]) -> int:
    wanted = set(argv)
    scripts = [p for p in sorted(HERE.glob("bench_*.py")) if not wanted or p.stem in wanted]
    if not scripts:
        print("no benchmark scripts found" + (f" matching {sorted(wanted)}" if wanted else ""))
        return 1
    failed = []
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(script), *ARGS.get(script.stem, [])], check=False
        )
        print(
            f"-- {script.stem}: exit {done.returncode} in {time.perf_counter() - started:.1f} s\n",
            flush=True,
        )
        if done.returncode != 0:
            failed.append(script.stem)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
