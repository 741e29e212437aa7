"""The deployment recipe runs: the Procfile's release, web and worker commands, started exactly as
a platform starts them (a shell, PORT and DATABASE_URL set), serve health and build a run.

The database is a module database on the test server (an external database as far as the
commands know: DATABASE_URL is set, so keys are required and nothing embedded starts); the
worker builds the tiny dbt project, as the queue tests do.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from runs_harness import (
    client,
    create_key,
    free_port,
    make_tiny_project,
    prepare_database,
    spawned,
    wait_for,
    wait_terminal,
    worker_env,
)

from benchsight.config import REPO_ROOT

pytestmark = pytest.mark.slow
VENV_BIN = Path(sys.executable).parent


def procfile() -> dict[str, str]:
    processes = {}
    for line in (REPO_ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            processes[name.strip()] = command.strip()
    return processes


def platform_env(db_url: str, project: Path, state: Path, port: int) -> dict[str, str]:
    env = worker_env(db_url, project, state, stale_after=30.0)
    for name in ("BENCHSIGHT_API_PORT", "BENCHSIGHT_API_HOST", "BENCHSIGHT_AUTH"):
        env.pop(name, None)
    env["PORT"] = str(port)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def process(command: str, env: dict[str, str], log: Path):
    """A Procfile command as a platform runs it: `sh -c`, in the repository, its own group."""
    return spawned(["sh", "-c", command], env, log)


def test_procfile_names_release_web_and_worker():
    processes = procfile()
    assert set(processes) == {"release", "web", "worker"}
    assert shlex.split(processes["release"]) == ["benchsight", "db", "migrate"]
    web = shlex.split(processes["web"])
    assert web[:2] == ["benchsight", "serve"]
    assert web[web.index("--host") + 1] == "0.0.0.0"
    assert web[web.index("--port") + 1] == "$PORT"
    assert shlex.split(processes["worker"]) == ["benchsight", "worker"]


def test_render_blueprint_and_dockerfile_run_the_procfile_commands():
    processes = procfile()
    blueprint = yaml.safe_load((REPO_ROOT / "render.yaml").read_text())
    services = {s["type"]: s for s in blueprint["services"]}
    assert set(services) == {"web", "worker"}
    assert services["web"]["healthCheckPath"] == "/api/health"
    assert services["web"]["preDeployCommand"] == processes["release"]
    assert services["worker"]["dockerCommand"] == processes["worker"]
    for service in services.values():
        keys = {e.get("key") for e in service["envVars"]}
        assert "DATABASE_URL" in keys
        assert all(
            e.get("sync") is False for e in service["envVars"] if e.get("key") == "DATABASE_URL"
        )
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    makefile = (REPO_ROOT / "Makefile").read_text()
    # The same pinned, editable install as `make install` (without the dev extra).
    assert "-c requirements.lock -e '.[dev]'" in makefile
    assert re.search(r"pip install .*-c requirements\.lock -e \.(\s|$)", dockerfile)
    assert re.search(r"^USER benchsight$", dockerfile, re.M)
    assert re.search(r"^FROM python:3\.1[1-9]-slim", dockerfile, re.M)
    cmd = re.search(r"^CMD (.+)$", dockerfile, re.M).group(1)
    assert "benchsight serve --host 0.0.0.0 --port" in cmd and "$PORT" in cmd


def test_serve_honours_port(monkeypatch):
    from benchsight.config import get_settings

    monkeypatch.delenv("BENCHSIGHT_API_PORT", raising=False)
    monkeypatch.setenv("PORT", "10123")
    get_settings.cache_clear()
    try:
        assert get_settings().api_port == 10123
        monkeypatch.setenv("BENCHSIGHT_API_PORT", "9001")  # the explicit setting wins
        get_settings.cache_clear()
        assert get_settings().api_port == 9001
    finally:
        get_settings.cache_clear()


def test_release_web_and_worker_serve_health_and_build(db_url, tmp_path):
    processes = procfile()
    project = make_tiny_project(tmp_path / "project")
    state = tmp_path / "state"
    state.mkdir()
    port = free_port()
    env = platform_env(db_url, project, state, port)

    release = subprocess.run(
        ["sh", "-c", processes["release"]],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert release.returncode == 0, release.stderr + release.stdout
    prepare_database(db_url)

    base = f"http://127.0.0.1:{port}"
    with (
        process(processes["web"], env, tmp_path / "web.log") as web,
        process(processes["worker"], env, tmp_path / "worker.log") as worker,
    ):

        def healthy():
            assert web.poll() is None, (tmp_path / "web.log").read_text()
            try:
                return httpx.get(f"{base}/api/health", timeout=2).json()["status"] == "healthy"
            except httpx.TransportError:
                return False

        wait_for(healthy, 90, 0.3, "the web process to answer /api/health")
        with client(base, create_key(db_url, "run")) as http:
            run_id = http.post("/api/etl/trigger", json={"tables": ["numbers", "doubled"]}).json()[
                "run_id"
            ]
            started = time.monotonic()
            done = wait_terminal(http, run_id, timeout=120)
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert done["status"] == "succeeded", done
            steps = http.get(f"/api/etl/runs/{run_id}/steps").json()["steps"]
            assert {s["name"] for s in steps} >= {"numbers", "doubled"}
            assert time.monotonic() - started < 120
            # Without a key the deployed API refuses (DATABASE_URL set: keys are required).
            assert httpx.get(f"{base}/api/etl/runs").status_code == 401
