"""API keys: `keys list | revoke`, both headers, wrong keys rate-limited per client, and no key
in any log or run record after a real run (API, worker and dbt of the tiny project)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
import pytest
from runs_harness import (
    api_server,
    api_settings,
    create_key,
    tiny_api,
    wait_terminal,
    worker_process,
)

from api.auth.middleware import BAD_KEY_WINDOW_SECONDS, BAD_KEYS_PER_WINDOW

BENCHSIGHT = str(Path(sys.executable).parent / "benchsight")


def cli(db_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db_url, "DO_NOT_TRACK": "1"}
    return subprocess.run(
        [BENCHSIGHT, "keys", *args], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture(scope="module")
def api(db_url: str, tmp_path_factory):
    root = tmp_path_factory.mktemp("keys")
    with tiny_api(db_url, root) as (http, project, state):
        yield {"http": http, "project": project, "state": state, "root": root}


def test_list_and_revoke(db_url, api):
    key = create_key(db_url, "read")
    prefix = key.split("_")[1]
    listed = cli(db_url, "list")
    assert listed.returncode == 0, listed.stderr
    line = next(row for row in listed.stdout.splitlines() if prefix in row)
    assert "read" in line and key not in listed.stdout
    base = str(api["http"].base_url)
    # both headers carry a key
    assert httpx.get(f"{base}/api/status", headers={"X-API-Key": key}).status_code == 200
    other = create_key(db_url, "read")
    revoked = cli(db_url, "revoke", other.split("_")[1])
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in revoked.stdout
    answer = httpx.get(f"{base}/api/status", headers={"Authorization": f"Bearer {other}"})
    assert answer.status_code == 401
    assert other.split("_")[1] not in cli(db_url, "list").stdout
    assert other.split("_")[1] in cli(db_url, "list", "--all").stdout
    missing = cli(db_url, "revoke", "99999")
    assert missing.returncode == 1 and "no API key" in missing.stderr


def test_a_prefix_of_decimal_digits_names_its_key_not_an_id(db_url, api):
    """About one prefix in 43 is all decimal digits (8 hex digits); `revoke` took it for an id."""
    first, second = create_key(db_url, "read"), create_key(db_url, "read")
    with psycopg.connect(db_url, autocommit=True) as conn:
        ids = dict(conn.execute("select prefix, key_id from ops.api_keys").fetchall())
        first_id = ids[first.split("_")[1]]
        # the second key's prefix spells the first key's id
        conn.execute("update ops.api_keys set prefix = %s where prefix = %s",
                     [str(first_id), second.split("_")[1]])  # fmt: skip
    revoked = cli(db_url, "revoke", str(first_id))
    assert revoked.returncode == 0, revoked.stderr
    with psycopg.connect(db_url) as conn:
        state = dict(conn.execute(
            "select prefix, revoked_at is not null from ops.api_keys where prefix in (%s, %s)",
            [str(first_id), first.split("_")[1]]).fetchall())  # fmt: skip
    assert state == {str(first_id): True, first.split("_")[1]: False}
    third = create_key(db_url, "read")
    with psycopg.connect(db_url) as conn:
        third_id = conn.execute("select key_id from ops.api_keys where prefix = %s",
                                [third.split("_")[1]]).fetchone()[0]  # fmt: skip
    assert cli(db_url, "revoke", str(third_id)).returncode == 0  # an id no prefix spells
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select revoked_at is not null from ops.api_keys where key_id = %s",
                            [third_id]).fetchone()[0]  # fmt: skip


def test_no_key_in_logs_or_run_records(db_url, api, caplog):
    key = create_key(db_url, "run")
    caplog.set_level(logging.DEBUG)
    with worker_process(db_url, api["project"], api["state"]):
        trigger = httpx.post(
            f"{api['http'].base_url}/api/etl/trigger",
            json={"tables": ["+doubled"]},
            headers={"X-API-Key": key},
            timeout=60,
        )
        assert trigger.status_code in (200, 201, 202), trigger.text
        run = wait_terminal(api["http"], trigger.json()["run_id"])
    assert run["status"] == "succeeded", run.get("errors")
    secret = key.split("_", 2)[2]
    texts = {"pytest log": caplog.text}
    for path in api["root"].rglob("*"):
        if path.is_file() and path.stat().st_size < 50_000_000:
            texts[str(path)] = path.read_text(errors="replace")
    with psycopg.connect(db_url) as conn:
        for table in (
            "ops.runs",
            "ops.run_nodes",
            "ops.run_logs",
            "procrastinate.procrastinate_jobs",
            "procrastinate.procrastinate_events",
        ):
            texts[table] = "\n".join(r[0] for r in conn.execute(f"select t::text from {table} t"))
    assert len(texts["ops.run_logs"]) > 100 and any("worker-" in name for name in texts)
    assert [name for name, text in texts.items() if secret in text] == []


def test_wrong_keys_are_rate_limited_per_client(db_url, api):
    """On an API of its own, so no earlier test's wrong key counts."""
    settings = api_settings(db_url, api["project"], api["state"])
    wrong = "bsk_00000000_" + "x" * 43
    with api_server(settings) as base:
        answers = [
            httpx.get(f"{base}/api/status", headers={"X-API-Key": wrong})
            for _ in range(BAD_KEYS_PER_WINDOW)
        ]
        assert [a.status_code for a in answers] == [401] * BAD_KEYS_PER_WINDOW
        limited = httpx.get(f"{base}/api/status", headers={"Authorization": f"Bearer {wrong}"})
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= BAD_KEY_WINDOW_SECONDS
        assert limited.json()["code"] == "too_many_requests"
        # the client is throttled whatever key it sends until the window passes
        good = create_key(db_url, "read")
        assert httpx.get(f"{base}/api/status", headers={"X-API-Key": good}).status_code == 429
        assert httpx.get(f"{base}/api/health").status_code == 200  # open paths stay open
    # another app (another process) keeps its own count: the same client is served there
    assert (
        httpx.get(f"{api['http'].base_url}/api/status", headers={"X-API-Key": good}).status_code
        == 200
    )
