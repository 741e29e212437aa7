"""The parsed project, for checking selections before a job is queued.

`dbt parse` costs seconds, so its manifest is kept in a cache folder and re-parsed only when a
project file is newer than it; within a process the parsed index is kept too.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from dbt_project.commands import DbtCommand, seed_partial_parse
from dbt_project.selection import ManifestIndex

# The folders named in dbt_project.yml (model-, seed-, macro-, test-, snapshot-, analysis-paths).
PROJECT_INPUTS = ("models", "seeds", "macros", "data-tests", "snapshots", "analyses")
PROJECT_FILES = ("dbt_project.yml", "profiles.yml")
PARSE_TIMEOUT = 600

_lock = threading.Lock()
_cache: dict[Path, tuple[float, ManifestIndex]] = {}


class ManifestError(RuntimeError):
    """dbt could not parse the project."""


def newest_project_change(project_dir: Path) -> float:
    newest = 0.0
    for name in PROJECT_FILES:
        path = project_dir / name
        if path.exists():
            newest = max(newest, path.stat().st_mtime)
    for folder in PROJECT_INPUTS:
        root = project_dir / folder
        if root.is_dir():
            for path in root.rglob("*"):
                newest = max(newest, path.stat().st_mtime)
    return newest


def load_index(
    project_dir: Path,
    cache_dir: Path,
    env: Mapping[str, str],
    cancel: threading.Event | None = None,
) -> ManifestIndex:
    """The project's manifest index, parsing the project only when it changed. Setting `cancel`
    kills a parse in progress (ManifestError): a server shutting down does not wait for it."""
    manifest_path = cache_dir / "manifest.json"
    with _lock:
        changed = newest_project_change(project_dir)
        cached = _cache.get(manifest_path)
        if cached and cached[0] >= changed and manifest_path.exists():
            return cached[1]
        if not manifest_path.exists() or manifest_path.stat().st_mtime < changed:
            _parse(project_dir, cache_dir, env, cancel)
        index = ManifestIndex.from_file(manifest_path)
        _cache[manifest_path] = (manifest_path.stat().st_mtime, index)
        return index


def _parse(
    project_dir: Path,
    cache_dir: Path,
    env: Mapping[str, str],
    cancel: threading.Event | None = None,
) -> None:
    seed_partial_parse(project_dir, cache_dir)
    command = DbtCommand("parse", target_path=cache_dir)
    deadline = time.monotonic() + PARSE_TIMEOUT
    with subprocess.Popen(
        command.argv(project_dir),
        cwd=project_dir,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        while True:
            try:
                stdout, stderr = process.communicate(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                stopped = cancel is not None and cancel.is_set()
                if stopped or time.monotonic() > deadline:
                    process.kill()
                    process.communicate()
                    raise ManifestError(
                        "dbt parse was stopped"
                        if stopped
                        else f"dbt parse took more than {PARSE_TIMEOUT} s"
                    ) from None
    if process.returncode != 0 or not (cache_dir / "manifest.json").exists():
        messages = []
        for line in stdout.splitlines():
            try:
                info = json.loads(line)["info"]
            except (ValueError, KeyError):
                continue
            if info.get("level") == "error":
                messages.append(info.get("msg", ""))
        raise ManifestError("dbt parse failed: " + (" | ".join(messages) or stderr.strip()[-500:]))
