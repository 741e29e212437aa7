"""dbt command lines, built from typed options instead of string pasting.

Every invocation logs JSON on stdout (`--log-format json`), which `dbt_project.runner` parses into
progress, and writes its artifacts into its own `--target-path`, so each run keeps its own
run_results.json and manifest.json beside the run that produced them.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Verb = Literal["build", "compile", "ls", "parse", "retry", "run", "test"]

# dbt's own telemetry: never sent from here (the machines have no network for it anyway, and a
# league's build is nobody else's business).
QUIET_ENV = {"DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


@dataclass(frozen=True)
class DbtCommand:
    """One dbt invocation. `argv()` turns it into the exact command line."""

    verb: Verb
    select: Sequence[str] = ()
    exclude: Sequence[str] = ()
    full_refresh: bool = False
    threads: int | None = None
    vars: Mapping[str, object] | None = None
    target_path: Path | None = None
    state: Path | None = None
    """Previous run's target folder: `dbt retry` re-runs what failed there."""
    extra: Sequence[str] = field(default=())

    def argv(self, project_dir: Path, profiles_dir: Path | None = None) -> list[str]:
        # The JSON log on stdout is the run's record (the runner parses it into progress, node
        # results and log lines). dbt's own debug file log (logs/dbt.log) is left off: it repeats
        # every statement at debug level, and writing it cost about 0.5 s of CPU in a one-game
        # build of 70 nodes (8.1-8.6 s against 8.8-9.2 s, 600 games).
        args = [dbt_executable(), self.verb, "--log-format", "json", "--log-level-file", "none"]
        args += [
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(profiles_dir or project_dir),
        ]
        if self.target_path is not None:
            args += ["--target-path", str(self.target_path)]
        if self.verb == "retry":
            if self.state is None:
                raise ValueError("dbt retry needs the state folder of the run it retries")
            args += ["--state", str(self.state)]
        else:
            for flag, values in (("--select", self.select), ("--exclude", self.exclude)):
                if values:
                    args += [flag, *values]
            if self.full_refresh and self.verb in ("build", "run"):
                args.append("--full-refresh")
        if self.threads:
            args += ["--threads", str(self.threads)]
        if self.vars:
            args += ["--vars", json.dumps(dict(self.vars), sort_keys=True)]
        args += list(self.extra)
        return args


def dbt_executable() -> str:
    """The `dbt` installed beside this Python (the venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    if beside.exists():
        return str(beside)
    found = shutil.which("dbt")
    if not found:
        raise FileNotFoundError("dbt is not installed in this environment: run `make install`")
    return found


def dbt_environment(
    connection: Mapping[str, str], application_name: str | None = None
) -> dict[str, str]:
    """The environment a dbt subprocess gets: ours, the connection variables, no telemetry.

    `application_name` tags dbt's database sessions through libpq's PGAPPNAME (profiles.yml
    leaves the name to libpq: a value in the profile is part of dbt's parse-cache key), which is
    how a cancel finds any backend of that run still running afterwards.
    """
    env = dict(os.environ)
    env.update(connection)
    env.update(QUIET_ENV)
    if application_name:
        env["PGAPPNAME"] = application_name
    return env


def seed_partial_parse(project_dir: Path, target_path: Path) -> None:
    """Give a fresh per-run target folder the project's partial-parse cache.

    dbt looks for partial_parse.msgpack in the target path only; without it every run would pay
    a full parse of the project.
    """
    cached = project_dir / "target" / "partial_parse.msgpack"
    target_path.mkdir(parents=True, exist_ok=True)
    if cached.exists() and not (target_path / cached.name).exists():
        shutil.copy2(cached, target_path / cached.name)


def keep_partial_parse(project_dir: Path, target_path: Path) -> None:
    """Hand the run's refreshed partial-parse cache back to the project for the next run."""
    fresh = target_path / "partial_parse.msgpack"
    if not fresh.exists():
        return
    shared = project_dir / "target"
    shared.mkdir(parents=True, exist_ok=True)
    tmp = shared / f".partial_parse.{os.getpid()}.tmp"
    shutil.copy2(fresh, tmp)
    tmp.replace(shared / fresh.name)
