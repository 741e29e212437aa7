"""Shared pieces of the run-queue tests: a tiny dbt project, a real API server, a real worker.

The tiny project stands in for the warehouse (built in parallel elsewhere) and has exactly the
shapes the queue must handle: a view, a table with a data test, an incremental per-game model
with a downstream model, a model that sleeps (for cancel tests) and one that fails on demand.
How long `slow` sleeps and whether `flaky` fails are read from table public.tiny_control, so a
test switches them with one UPDATE instead of rewriting SQL.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import psycopg

from api.runs.store import TERMINAL
from benchsight.config import REPO_ROOT, get_settings

PROFILE = """
tiny:
  target: default
  outputs:
    default:
      type: postgres
      host: "{{ env_var('BENCHSIGHT_DB_HOST') }}"
      port: "{{ env_var('BENCHSIGHT_DB_PORT') | int }}"
      user: "{{ env_var('BENCHSIGHT_DB_USER') }}"
      password: "{{ env_var('BENCHSIGHT_DB_PASSWORD', '') }}"
      dbname: "{{ env_var('BENCHSIGHT_DB_NAME') }}"
      schema: public
      threads: 1
      application_name: ""
"""

MODELS = {
    "numbers.sql": "select 1 as id union all select 2",
    "doubled.sql": "{{ config(materialized='table') }}\nselect id * 2 as id from {{ ref('numbers') }}",
    "games.sql": (
        "{{ config(materialized='incremental', unique_key='game_id') }}\n"
        "select g as game_id, g * 10 as goals from unnest(array[101, 102, 103]) as g\n"
        "{% if env_var('BENCHSIGHT_GAME_IDS', '') %}where g in ({{ env_var('BENCHSIGHT_GAME_IDS') }}){% endif %}"
    ),
    "season.sql": "{{ config(materialized='table') }}\nselect count(*) as games, sum(goals) as goals from {{ ref('games') }}",
    "slow.sql": (
        "{{ config(materialized='table') }}\n"
        "select 1 as id, pg_sleep((select sleep_seconds from public.tiny_control)) is null as slept\n"
        "from {{ ref('doubled') }} limit 1"
    ),
    "flaky.sql": (
        "{{ config(materialized='table') }}\n"
        "select 1 / (select case when fail then 0 else 1 end from public.tiny_control) as id"
    ),
    "after_flaky.sql": "select * from {{ ref('flaky') }}",
    "schema.yml": (
        "version: 2\nmodels:\n  - name: doubled\n    columns:\n      - name: id\n"
        "        data_tests: [unique, not_null]\n"
    ),
}
NODE_COUNT = 9  # 7 models + 2 tests


def make_tiny_project(root: Path) -> Path:
    (root / "models").mkdir(parents=True, exist_ok=True)
    (root / "dbt_project.yml").write_text(
        'name: tiny\nversion: "1.0"\nconfig-version: 2\nprofile: tiny\nmodel-paths: ["models"]\n'
        "flags:\n  send_anonymous_usage_stats: false\n"
    )
    (root / "profiles.yml").write_text(PROFILE)
    for name, text in MODELS.items():
        (root / "models" / name).write_text(text + "\n")
    return root


def prepare_database(url: str) -> None:
    """The control table the tiny models read, and a few known games in raw."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "create table if not exists public.tiny_control (sleep_seconds numeric not null, fail boolean not null)"
        )
        conn.execute("truncate public.tiny_control")
        conn.execute("insert into public.tiny_control values (0, false)")
        load_id = conn.execute(
            "insert into raw.loads (kind, source, outcome) values ('tracking', 'file', 'loaded') returning load_id"
        ).fetchone()[0]
        for game in (101, 102, 103):
            conn.execute(
                """insert into raw.tracker_games (load_id, source, file_name, file_sha256, game_id, source_format,
                    xy_frame, event_count, shift_count, event_player_count)
                   values (%s, 'file', %s, %s, %s, 'json', 'unknown', 0, 0, 0)""",
                [load_id, f"{game}.json", f"sha-{game}-v1", game],
            )


def control(url: str, sleep_seconds: float = 0, fail: bool = False) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "update public.tiny_control set sleep_seconds = %s, fail = %s", [sleep_seconds, fail]
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api_settings(url: str, project: Path, state_dir: Path, stale_after: float = 30.0, **changes):
    from api.settings import load_settings

    settings = load_settings(url, env={})
    return settings.with_(
        base=replace(get_settings(), state_dir=state_dir),
        project_dir=project,
        stale_after_seconds=stale_after,
        cancel_grace_seconds=5.0,
        **changes,
    )


@contextmanager
def api_server(settings) -> Iterator[str]:
    """The real app under uvicorn on a free port; yields its base URL."""
    import uvicorn

    from api.app import create_app

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@contextmanager
def tiny_api(
    db_url: str, root: Path, stale_after: float = 30.0
) -> Iterator[tuple[httpx.Client, Path, Path]]:
    """The tiny project built against `db_url` (control table and games prepared) and the API
    serving it; yields (a client holding a `run` key, the project, the state folder)."""
    settings = tiny_settings(db_url, root, stale_after=stale_after)
    with api_server(settings) as base_url, client(base_url, create_key(db_url, "run")) as http:
        yield http, settings.project_dir, settings.base.state_dir


def tiny_settings(db_url: str, root: Path, stale_after: float = 30.0, **changes):
    """API settings for the tiny project under `root` (root/project, state in root/state), its
    control table and games prepared in `db_url`; `changes` as api_settings takes them."""
    project = make_tiny_project(root / "project")
    state = root / "state"
    state.mkdir(exist_ok=True)
    prepare_database(db_url)
    return api_settings(db_url, project, state, stale_after=stale_after, **changes)


def worker_env(
    url: str,
    project: Path,
    state_dir: Path,
    stale_after: float,
    extra_env: dict[str, str] | None = None,
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("BENCHSIGHT_WORKBOOK_PATH", "BENCHSIGHT_TRACKER_DIR")
    }
    env.update(
        DATABASE_URL=url,
        BENCHSIGHT_HOME=str(state_dir),
        BENCHSIGHT_DBT_PROJECT_DIR=str(project),
        BENCHSIGHT_WORKER_STALE_SECONDS=str(stale_after),
        BENCHSIGHT_CANCEL_GRACE_SECONDS="5",
        PYTHONPATH=str(REPO_ROOT),
        # The lineage step (dbt docs, ~5 s a build) is tested by test_lineage and the browser
        # tests, which turn it on; the other worker tests leave it out of their builds.
        BENCHSIGHT_LINEAGE="off",
    )
    env.update(extra_env or {})
    return env


@contextmanager
def worker_process(
    url: str,
    project: Path,
    state_dir: Path,
    stale_after: float = 30.0,
    extra_env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen]:
    """`benchsight worker` as a real separate process (its own process group); `extra_env`
    (e.g. the source=excel paths) is set for it alone."""
    with spawned(
        [sys.executable, "-m", "api.cli", "worker"],
        worker_env(url, project, state_dir, stale_after, extra_env),
        state_dir / f"worker-{time.monotonic_ns()}.log",
        group=False,
    ) as process:
        yield process


@contextmanager
def spawned(
    argv: list[str],
    env: dict[str, str],
    log: Path,
    *,
    append: bool = False,
    stop: signal.Signals = signal.SIGTERM,
    group: bool = True,
) -> Iterator[subprocess.Popen]:
    """`argv` as a real separate process: run in the repository, in its own session (process
    group), output to `log`. On leaving, if it still runs it gets `stop` (sent to its whole group,
    or to the process alone with group=False), and SIGKILL if it has not ended 20 s later."""
    with open(log, "a" if append else "w") as out:
        process = subprocess.Popen(
            argv, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            yield process
        finally:
            if process.poll() is None:
                send = (lambda sig: os.killpg(process.pid, sig)) if group else process.send_signal
                send(stop)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    send(signal.SIGKILL)
                    process.wait()


def create_key(url: str, *scopes: str) -> str:
    from api.auth.keys import create_key as create

    with psycopg.connect(url, autocommit=True) as conn:
        key, _ = create(conn, list(scopes), "test")
    return key


def client(base_url: str, key: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=30)


def wait_for(check, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def wait_terminal(http: httpx.Client, run_id: int, timeout: float = 90) -> dict:
    def done():
        body = http.get(f"/api/etl/runs/{run_id}").json()
        return body if body["status"] in TERMINAL else None

    return wait_for(done, timeout, 0.3, f"run {run_id} to finish")


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False
