"""Running the real dbt on a test database, as an analyst would from the repository root.

The warehouse tests build the project with the `dbt` of this venv against their module's
database (through the BENCHSIGHT_DB_* variables profiles.yml reads), each into a target folder
of its own so concurrent modules never share artifacts or logs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from benchsight.config import REPO_ROOT
from benchsight.db import connection_env

DBT = Path(sys.executable).parent / "dbt"


def target_root() -> Path:
    return REPO_ROOT / ".benchsight"


def remove_targets(dbname: str) -> None:
    """Delete the target folders `run_dbt` made for database `dbname` (its own, and the ones named
    `<dbname>_<suffix>` a module asked for), once the database is dropped."""
    for path in [
        target_root() / f"dbt-target-{dbname}",
        *target_root().glob(f"dbt-target-{dbname}_*"),
    ]:
        shutil.rmtree(path, ignore_errors=True)


def run_dbt(
    url: str, *args: str, target_path: Path | None = None, games: str = ""
) -> subprocess.CompletedProcess:
    """`dbt ARGS` on `url`'s database; `games` is what BENCHSIGHT_GAME_IDS tells incremental models."""
    target = target_path or target_root() / f"dbt-target-{url.rsplit('/', 1)[-1]}"
    env = {
        **os.environ,
        **connection_env(url),
        "BENCHSIGHT_DB_SCHEMA": "public",
        "BENCHSIGHT_GAME_IDS": games,
        "DO_NOT_TRACK": "1",
    }
    return subprocess.run(
        [str(DBT), *args, "--target-path", str(target), "--log-path", str(target)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
