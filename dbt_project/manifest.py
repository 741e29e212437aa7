"""The parsed project, for checking selections before a job is queued.

`dbt parse` costs seconds, so its manifest is kept in a cache folder and re-parsed only when a
project file is newer than it; within a process the parsed index is kept too.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path

from dbt_project.commands import DbtCommand, seed_partial_parse
from dbt_project.selection import ManifestIndex

# The folders named in dbt_project.yml (model-, seed-, macro-, test-, snapshot-, analysis-paths).
PROJECT_INPUTS = ("models", "seeds", "macros", "data-tests", "snapshots", "analyses")
PROJECT_FILES = ("dbt_project.yml", "profiles.yml")

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


def load_index(project_dir: Path, cache_dir: Path, env: Mapping[str, str]) -> ManifestIndex:
    """The project's manifest index, parsing the project only when it changed."""
    manifest_path = cache_dir / "manifest.json"
    with _lock:
        changed = newest_project_change(project_dir)
        cached = _cache.get(manifest_path)
        if cached and cached[0] >= changed and manifest_path.exists():
            return cached[1]
        if not manifest_path.exists() or manifest_path.stat().st_mtime < changed:
            _parse(project_dir, cache_dir, env)
        index = ManifestIndex.from_file(manifest_path)
        _cache[manifest_path] = (manifest_path.stat().st_mtime, index)
        return index


def _parse(project_dir: Path, cache_dir: Path, env: Mapping[str, str]) -> None:
    seed_partial_parse(project_dir, cache_dir)
    command = DbtCommand("parse", target_path=cache_dir)
    done = subprocess.run(
        command.argv(project_dir),
        cwd=project_dir,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if done.returncode != 0 or not (cache_dir / "manifest.json").exists():
        messages = []
        for line in done.stdout.splitlines():
            try:
                info = json.loads(line)["info"]
            except (ValueError, KeyError):
                continue
            if info.get("level") == "error":
                messages.append(info.get("msg", ""))
        raise ManifestError(
            "dbt parse failed: " + (" | ".join(messages) or done.stderr.strip()[-500:])
        )
