"""The lineage step's cost: dbt's persist_docs inside a build vs comments written once after it,
and the seconds `dbt docs generate` (the site's regeneration) takes.

In a scratch database loaded with the real fixtures: full builds of the project as it is and of a
copy whose dbt_project.yml turns on `persist_docs` (relation and columns), alternated (A B A B)
so the machine's load hits both alike; then api.lineage.site's two parts, timed alone: the
manifest's descriptions written as comments in one round trip, and the site regenerated.
Usage: bench_lineage.py [--rounds N] [--docs-only]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "tests"))

from bench_warehouse import DBT, FIXTURES, dbt_env, load  # noqa: E402
from fixture_league import build_fixture_workbook  # noqa: E402
from scratch import configured_server, scratch_database  # noqa: E402

from api.lineage.site import generate_site, write_comments  # noqa: E402
from api.settings import load_settings  # noqa: E402
from benchsight.config import get_settings  # noqa: E402

PERSIST = "    +persist_docs:\n      relation: true\n      columns: true\n"
COPIED = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "data-tests")


def project_with_persist_docs(work: Path) -> Path:
    copy = work / "project_persist_docs"
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, copy / name)
        elif source.exists():
            copy.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    text = (copy / "dbt_project.yml").read_text()
    for block in ("models:\n  benchsight:\n", "seeds:\n  benchsight:\n"):
        assert block in text, f"dbt_project.yml has no {block!r}"
        text = text.replace(block, block + PERSIST)
    (copy / "dbt_project.yml").write_text(text)
    return copy


def build(url: str, project: Path, target: Path) -> tuple[float, float]:
    import subprocess

    started = time.perf_counter()
    done = subprocess.run(
        [DBT, "build", "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(target)],
        cwd=project, env=dbt_env(url), capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"dbt build failed in {project}:\n{done.stdout[-3000:]}")
    return wall, json.loads((target / "run_results.json").read_text())["elapsed_time"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--docs-only",
        action="store_true",
        help="one build, then only the comments and the regeneration (no persist_docs builds)",
    )
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory() as tmp,
        scratch_database(configured_server(), "bench_lineage") as url,
    ):
        work = Path(tmp)
        workbook = build_fixture_workbook(FIXTURES, work / "fixtures.xlsx")
        load(url, workbook, FIXTURES)
        build(url, REPO, work / "target_plain")  # warms the parse cache and makes the tables
        plain, persist = [], []
        if not args.docs_only:
            persisted = project_with_persist_docs(work)
            build(url, persisted, work / "target_persist")
        for _ in range(0 if args.docs_only else args.rounds):
            plain.append(build(url, REPO, work / "target_plain"))
            persist.append(build(url, persisted, work / "target_persist"))
        for name, runs in (("plain", plain), ("persist_docs", persist)) if plain else ():
            walls = ", ".join(f"{w:.1f}" for w, _ in runs)
            print(
                f"fixtures full build, {name}: median {statistics.median(w for w, _ in runs):.1f} s"
                f" wall ({walls}); nodes {statistics.median(n for _, n in runs):.1f} s"
            )
        if plain:
            delta = statistics.median(n for _, n in persist) - statistics.median(
                n for _, n in plain
            )
            print(f"persist_docs adds {delta:+.1f} s of node time to a fixtures full build")

        manifest = json.loads((work / "target_plain" / "manifest.json").read_text())
        with psycopg.connect(url, autocommit=True) as conn:
            started = time.perf_counter()
            count = write_comments(conn, manifest)
            print(f"comments written once after the build: {count} statements in "
                  f"{time.perf_counter() - started:.2f} s")  # fmt: skip
        settings = load_settings(url, env={})
        settings = settings.with_(base=replace(get_settings(), state_dir=work / "state"))
        for reuse in (True, False):
            started = time.perf_counter()
            generate_site(settings, work / "target_plain" / "manifest.json" if reuse else None)
            what = "with the build's manifest (--no-compile)" if reuse else "compiling again"
            print(f"lineage site regenerated {what}: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
