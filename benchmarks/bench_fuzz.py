"""The full fuzz run: >= 2,000 seeded malformed inputs at the upload and staging endpoints.

    .venv/bin/python benchmarks/bench_fuzz.py [--cases 2000] [--seed 20261202]

The same generator and checks as tests/test_fuzz.py (which sends a few hundred in `make test`):
every input a 4xx with the API's error body and a message, the server healthy every 100 cases
and at the end, and the raw tables unchanged (row counts and checksums). The API runs in this
process under uvicorn on a scratch database of the benchmarks' own server; prints the cases per
kind, the problems (none expected) and the time.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from api_checks import fingerprint  # noqa: E402
from fuzz_inputs import run_fuzz  # noqa: E402
from runs_harness import (  # noqa: E402
    api_server,
    api_settings,
    create_key,
    make_tiny_project,
    prepare_database,
)
from scratch import bench_server, scratch_database  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("benchsight.api").setLevel(logging.CRITICAL)
    with (
        scratch_database(bench_server(), "benchsight_bench_fuzz") as url,
        tempfile.TemporaryDirectory(prefix="bench-fuzz-") as tmp,
    ):
        root = Path(tmp)
        project = make_tiny_project(root / "project")
        (root / "state").mkdir()
        prepare_database(url)
        before = fingerprint(url)
        with api_server(api_settings(url, project, root / "state")) as base:
            problems, kinds, seconds = run_fuzz(
                base, create_key(url, "admin"), args.seed, args.cases
            )
        unchanged = fingerprint(url) == before
    print(f"fuzz: {args.cases} cases (seed {args.seed}) in {seconds:.1f} s")
    for kind, n in sorted(kinds.items()):
        print(f"  {kind:<34} {n}")
    print(f"problems: {len(problems)}; raw unchanged: {unchanged}")
    for line in problems[:50]:
        print("  " + line)
    return 0 if not problems and unchanged else 1


if __name__ == "__main__":
    sys.exit(main())
