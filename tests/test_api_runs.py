"""The run queue end to end: real HTTP, a real worker process, real dbt, real Postgres.

One server and one worker serve the whole module; the tests run in file order and share the
runs they create (dbt costs seconds per invocation), the history test last.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from runs_harness import (
    NODE_COUNT,
    TERMINAL,
    api_server,
    api_settings,
    client,
    control,
    create_key,
    make_tiny_project,
    prepare_database,
    process_alive,
    wait_for,
    wait_terminal,
    worker_process,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def setup(db_url: str, tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    project = make_tiny_project(root / "project")
    state = root / "state"
    state.mkdir()
    prepare_database(db_url)
    settings = api_settings(db_url, project, state)
    with api_server(settings) as base_url, worker_process(db_url, project, state):
        yield {
            "url": base_url,
            "db": db_url,
            "key": create_key(db_url, "run"),
            "state": state,
            "settings": settings,
        }


@pytest.fixture(scope="module")
def http(setup) -> httpx.Client:
    with client(setup["url"], setup["key"]) as c:
        yield c


def _sse_events(base_url: str, key: str, run_id: int, sink: list, done: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.stream(
        "GET", f"{base_url}/api/etl/runs/{run_id}/events", headers=headers, timeout=120
    ) as response:
        event = None
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event:
                sink.append((event, json.loads(line.split(":", 1)[1])))
                if event == "end":
                    break
    done.set()


def test_trigger_runs_to_success_with_progress_steps_logs_sse_and_artifacts(setup, http):
    control(setup["db"])
    response = http.post("/api/etl/trigger", json={"mode": "full"})
    assert response.status_code == 202, response.text
    run = response.json()
    # The answer waits for the idle worker to pick the run up (the seed's trigger says running).
    assert (run["status"], run["run_status"]) in (("pending", "queued"), ("running", "running"))
    assert run["job_id"] == str(run["run_id"]) and run["mode"] == "full" and run["progress"] == 0
    events: list = []
    finished = threading.Event()
    threading.Thread(
        target=_sse_events,
        args=(setup["url"], setup["key"], run["run_id"], events, finished),
        daemon=True,
    ).start()

    final = wait_terminal(http, run["run_id"])
    assert final["status"] == "succeeded", final["errors"]
    assert final["progress"] == 100.0
    assert final["nodes"] == {"total": NODE_COUNT, "done": NODE_COUNT, "failed": 0, "skipped": 0}
    assert final["result"]["tables_created"] == 7 and final["result"]["tests_passed"] == 2
    assert final["result"]["tests_failed"] == 0 and final["result"]["duration_seconds"] > 0
    assert final["started_at"] and final["completed_at"] >= final["started_at"]

    steps = http.get(f"/api/etl/runs/{run['run_id']}/steps").json()["steps"]
    assert len(steps) == NODE_COUNT
    by_name = {s["name"]: s for s in steps}
    assert by_name["doubled"]["status"] == "success" and by_name["doubled"]["rows"] == 2
    assert (
        by_name["unique_doubled_id"]["type"] == "test"
        and by_name["unique_doubled_id"]["status"] == "pass"
    )
    assert all(s["seconds"] is not None for s in steps)

    first = http.get(f"/api/etl/logs/{run['run_id']}", params={"limit": 3}).json()
    assert len(first["lines"]) == 3 and first["lines"][0]["event"] == "claimed"
    rest = http.get(f"/api/etl/logs/{run['run_id']}", params={"after": first["next_after"]}).json()
    assert rest["lines"][0]["id"] > first["lines"][-1]["id"]
    assert any(line["event"] == "StatsLine" for line in rest["lines"])

    results = http.get(f"/api/etl/runs/{run['run_id']}/artifacts/run_results.json")
    assert results.status_code == 200 and len(results.json()["results"]) == NODE_COUNT
    manifest = http.get(f"/api/etl/runs/{run['run_id']}/artifacts/manifest.json")
    assert "model.tiny.doubled" in manifest.json()["nodes"]
    assert http.get(f"/api/etl/runs/{run['run_id']}/artifacts/secrets.txt").status_code == 404

    assert finished.wait(15), "the SSE stream did not end"
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "end" and events[-1][1]["status"] == "succeeded"
    progress = [body["progress"] for kind, body in events if kind == "progress"]
    assert progress == sorted(progress) and progress[-1] == 100.0
    assert {body["name"] for kind, body in events if kind == "node"} >= {
        "doubled",
        "season",
        "slow",
    }
    assert "log" in kinds


def test_streams_of_one_run_share_one_connection_and_see_the_same_events(setup, http):
    control(setup["db"], sleep_seconds=2)
    try:
        run_id = http.post("/api/etl/trigger", json={"mode": "full"}).json()["run_id"]
        sinks, dones = [[] for _ in range(5)], [threading.Event() for _ in range(5)]
        for sink, done in zip(sinks, dones, strict=True):
            threading.Thread(target=_sse_events, daemon=True,
                             args=(setup["url"], setup["key"], run_id, sink, done)).start()  # fmt: skip

        def watchers() -> int:
            with psycopg.connect(setup["db"]) as conn:
                return conn.execute(
                    "select count(*) from pg_stat_activity where application_name = %s",
                    [f"benchsight-events-{run_id}"],
                ).fetchone()[0]

        wait_for(lambda: all(sinks), 60, what="every stream's first event")
        seen = []
        for _ in range(5):
            seen.append(watchers())
            time.sleep(0.2)
        assert max(seen) == 1, seen  # one connection for the five streams
        assert wait_terminal(http, run_id)["status"] == "succeeded"
        for done in dones:
            assert done.wait(15), "a stream did not end"
    finally:
        control(setup["db"])
    logs = [[body["id"] for kind, body in sink if kind == "log"] for sink in sinks]
    assert logs[0] and all(ids == logs[0] for ids in logs)  # every line, once, in order
    assert all(sink[-1][0] == "end" and sink[-1][1]["status"] == "succeeded" for sink in sinks)
    assert wait_for(lambda: watchers() == 0, 10, what="the watcher's connection to close")


def test_excel_source_without_configured_files_fails_before_dbt(setup, http):
    run = http.post("/api/etl/trigger", json={"mode": "full", "source": "excel"}).json()
    final = wait_terminal(http, run["run_id"])
    assert final["status"] == "failed" and final["nodes"]["total"] == 0
    assert final["errors"][0]["message"].startswith("source=excel needs BENCHSIGHT_WORKBOOK_PATH")


def test_single_game_builds_the_game_models_and_downstream(setup, http):
    run = http.post("/api/etl/trigger", json={"mode": "single", "game_ids": [102]}).json()
    assert run["selection"]["vars"] == {"game_ids": [102]}
    final = wait_terminal(http, run["run_id"])
    assert final["status"] == "succeeded", final["errors"]
    steps = http.get(f"/api/etl/runs/{run['run_id']}/steps").json()["steps"]
    assert sorted(s["name"] for s in steps) == ["games", "season"]
    with psycopg.connect(setup["db"]) as conn:
        # season = count(games) and sum(goals) over games 101..103 with goals = 10 x id.
        assert conn.execute("select games, goals from public.season").fetchone() == (3, 3060)


def test_excluding_games_without_naming_any_builds_every_other_game(setup, http):
    response = http.post("/api/etl/trigger", json={"exclude_game_ids": [102], "tables": ["games"]})
    assert response.status_code == 202, response.text
    run = response.json()
    assert run["selection"] == {
        "select": ["config.materialized:incremental+,games"],
        "exclude": ["resource_type:unit_test", "path:models/ml"],
        "vars": {"game_ids": [101, 103]},
    }
    final = wait_terminal(http, run["run_id"])
    assert final["status"] == "succeeded", final["errors"]
    steps = http.get(f"/api/etl/runs/{run['run_id']}/steps").json()["steps"]
    assert [s["name"] for s in steps] == ["games"]
    every = http.post("/api/etl/trigger", json={"exclude_game_ids": [101, 102, 103]})
    assert every.status_code == 400 and every.json()["code"] == "empty_selection"


def test_unknown_options_are_422_naming_them(setup, http):
    for path, body in (
        ("/api/etl/trigger", {"options": {"wipe": True, "turbo": 1}}),
        ("/api/upload/to-supabase", {"options": {"batch_size": 10, "turbo": 1}}),
    ):
        response = http.post(path, json=body)
        assert response.status_code == 422 and "turbo" in response.text, response.text


def test_test_mode_compiles_and_reports_what_would_run(setup, http):
    with psycopg.connect(setup["db"]) as conn:
        before = conn.execute("select count(*) from ops.run_nodes").fetchone()[0]
    run = http.post("/api/etl/trigger", json={"mode": "test", "tables": ["+season"]}).json()
    final = wait_terminal(http, run["run_id"])
    assert final["status"] == "succeeded" and final["result"]["tables_created"] == 0
    steps = http.get(f"/api/etl/runs/{run['run_id']}/steps").json()["steps"]
    assert sorted(s["name"] for s in steps) == ["games", "season"]
    with psycopg.connect(setup["db"]) as conn:
        assert conn.execute("select count(*) from ops.run_nodes").fetchone()[0] == before + 2


def test_triggers_queue_one_at_a_time_reject_gives_409_and_idempotency_key_returns_the_same_run(
    setup, http
):
    control(setup["db"], sleep_seconds=2)
    answers = {}

    def trigger(name, **kwargs):
        answers[name] = http.post("/api/etl/trigger", **kwargs)

    threads = [
        threading.Thread(
            target=trigger,
            args=("a",),
            kwargs={"json": {"tables": ["slow"]}, "headers": {"Idempotency-Key": "k-1"}},
        ),
        threading.Thread(target=trigger, args=("b",), kwargs={"json": {"tables": ["slow"]}}),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers["a"].status_code == answers["b"].status_code == 202
    first, second = sorted([answers["a"].json()["run_id"], answers["b"].json()["run_id"]])

    rejected = http.post(
        "/api/etl/trigger", params={"on_conflict": "reject"}, json={"mode": "full"}
    )
    assert rejected.status_code == 409
    body = rejected.json()
    assert body["code"] == "build_in_progress" and {e["run_id"] for e in body["errors"]} == {
        first,
        second,
    }

    again = http.post(
        "/api/etl/trigger", json={"tables": ["slow"]}, headers={"Idempotency-Key": "k-1"}
    )
    assert again.json()["run_id"] == answers["a"].json()["run_id"]

    one, two = wait_terminal(http, first), wait_terminal(http, second)
    assert one["status"] == two["status"] == "succeeded"
    assert two["started_at"] >= one["completed_at"], (
        "the second build started before the first ended"
    )
    with psycopg.connect(setup["db"]) as conn:
        assert (
            conn.execute("select count(*) from ops.runs where idempotency_key = 'k-1'").fetchone()[
                0
            ]
            == 1
        )
    control(setup["db"])


def test_cancel_stops_a_running_build_and_a_queued_one(setup, http):
    control(setup["db"], sleep_seconds=120)
    running = http.post("/api/etl/trigger", json={"tables": ["slow"]}).json()["run_id"]
    queued = http.post("/api/etl/trigger", json={"tables": ["numbers"]}).json()["run_id"]
    wait_for(
        lambda: http.get(f"/api/etl/status/{running}").json()["current_node"] == "slow",
        60,
        what="the slow model to start",
    )

    def sleeping_query() -> int:
        with psycopg.connect(setup["db"]) as conn:
            return conn.execute(
                "select count(*) from pg_stat_activity where application_name = %s and query like '%%pg_sleep%%'",
                [f"benchsight-run-{running}"],
            ).fetchone()[0]

    sleeping = wait_for(sleeping_query, 30, what="dbt's pg_sleep query")
    with psycopg.connect(setup["db"]) as conn:
        dbt_pid = conn.execute(
            "select dbt_pid from ops.runs where run_id = %s", [running]
        ).fetchone()[0]
    assert process_alive(dbt_pid) and sleeping == 1

    cancelled_at_once = http.post(f"/api/etl/cancel/{queued}")
    assert (
        cancelled_at_once.status_code == 200 and cancelled_at_once.json()["status"] == "cancelled"
    )

    started = time.monotonic()
    answer = http.post(f"/api/etl/cancel/{running}").json()
    assert answer["status"] in ("running", "cancelled") and answer["cancelled_at"] is not None
    final = wait_terminal(http, running, timeout=30)
    assert final["status"] == "cancelled"
    assert time.monotonic() - started < 20
    assert not process_alive(dbt_pid)
    with psycopg.connect(setup["db"]) as conn:
        left = conn.execute(
            "select count(*) from pg_stat_activity where application_name = %s",
            [f"benchsight-run-{running}"],
        ).fetchone()[0]
        job_states = conn.execute(
            "select j.status from procrastinate.procrastinate_jobs j join ops.runs r on r.job_id = j.id where r.run_id = %s",
            [queued],
        ).fetchone()[0]
    assert left == 0
    assert job_states == "cancelled"
    assert http.post(f"/api/etl/cancel/{running}").status_code == 409
    assert http.get(f"/api/etl/status/{queued}").json()["started_at"] is None

    control(setup["db"])
    after = http.post("/api/etl/trigger", json={"tables": ["slow"]}).json()["run_id"]
    assert wait_terminal(http, after)["status"] == "succeeded"


def test_retry_from_failure_reruns_only_what_failed(setup, http):
    control(setup["db"], fail=True)
    failed = http.post("/api/etl/trigger", json={"mode": "full"}).json()["run_id"]
    result = wait_terminal(http, failed)
    assert result["status"] == "failed"
    assert result["nodes"]["failed"] == 1 and result["nodes"]["skipped"] == 1
    assert (
        result["errors"][0]["node"] == "flaky"
        and "division by zero" in result["errors"][0]["message"]
    )

    control(setup["db"])
    retry = http.post(f"/api/etl/retry/{failed}", params={"from": "failure"})
    assert retry.status_code == 202
    assert retry.json()["retry_of"] == failed
    final = wait_terminal(http, retry.json()["run_id"])
    assert final["status"] == "succeeded"
    steps = http.get(f"/api/etl/runs/{final['run_id']}/steps").json()["steps"]
    assert sorted(s["name"] for s in steps) == ["after_flaky", "flaky"]
    assert (
        http.post(f"/api/etl/retry/{final['run_id']}", params={"from": "failure"}).status_code
        == 409
    )


def test_a_due_schedule_queues_a_run_that_the_worker_builds(setup):
    import asyncio
    from datetime import UTC, datetime, timedelta

    from api.queue import make_app
    from api.runs.tasks import trigger_due_schedules

    def tick(now: datetime) -> list[int]:
        """One tick of the schedule ticker, as the worker's periodic task runs it."""

        async def run() -> list[int]:
            queue = make_app(setup["settings"])
            async with queue.open_async():
                return await trigger_due_schedules(setup["settings"], queue, now)

        return asyncio.run(run())

    with client(setup["url"], create_key(setup["db"], "admin")) as admin:
        put = admin.put(
            "/api/etl/schedules/hourly-season",
            json={
                "cron": "0 * * * *",
                "request": {"mode": "single", "game_ids": [103], "tables": ["season"]},
            },
        )
        assert put.status_code == 200, put.text
        listed = {s["name"]: s for s in admin.get("/api/etl/schedules").json()["schedules"]}
        assert listed["hourly-season"]["enabled"] and listed["hourly-season"]["mode"] == "single"
        next_hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(
            hours=1
        )
        assert tick(next_hour - timedelta(minutes=5)) == []
        started = tick(next_hour + timedelta(seconds=1))
        assert len(started) == 1
        assert tick(next_hour + timedelta(seconds=2)) == []  # once per tick
        final = wait_terminal(admin, started[0])
        assert final["status"] == "succeeded" and final["schedule_name"] == "hourly-season"
        assert final["selection"]["vars"] == {"game_ids": [103]}
        steps = admin.get(f"/api/etl/runs/{started[0]}/steps").json()["steps"]
        assert [s["name"] for s in steps] == ["season"]

        # An incremental schedule keeps its tables and exclude_tables, as a trigger does.
        put = admin.put(
            "/api/etl/schedules/hourly-season",
            json={
                "cron": "0 * * * *",
                "request": {
                    "mode": "incremental",
                    "tables": ["games", "season"],
                    "exclude_tables": ["season"],
                },
            },
        )
        assert put.status_code == 200, put.text
        with psycopg.connect(setup["db"], autocommit=True) as conn:
            conn.execute(
                "update raw.tracker_games set file_sha256 = 'sha-103-v2' where game_id = 103"
            )
        started = tick(next_hour + timedelta(hours=1, seconds=1))
        final = wait_terminal(admin, started[0])
        assert final["status"] == "succeeded", final["errors"]
        assert final["result"]["changed"]["games"] == [103]
        assert final["selection"] == {
            "select": [
                "config.materialized:incremental+,games",
                "config.materialized:incremental+,season",
            ],
            "exclude": ["season", "resource_type:unit_test", "path:models/ml"],
            "vars": {"game_ids": [103]},
        }
        steps = admin.get(f"/api/etl/runs/{started[0]}/steps").json()["steps"]
        assert [s["name"] for s in steps] == ["games"]


def test_history_filters_and_cursor_paging(setup, http):
    everything = http.get("/api/etl/runs", params={"limit": 500}).json()
    runs = everything["runs"]
    assert everything["next_cursor"] is None
    ids = [r["run_id"] for r in runs]
    assert ids == sorted(ids, reverse=True) and len(ids) >= 12
    assert all(r["status"] in TERMINAL for r in runs)

    paged, cursor = [], None
    while True:
        page = http.get(
            "/api/etl/runs", params={"limit": 3, **({"cursor": cursor} if cursor else {})}
        ).json()
        paged += [r["run_id"] for r in page["runs"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert paged == ids

    failed = http.get("/api/etl/runs", params={"status": "failed"}).json()["runs"]
    assert [r["run_id"] for r in failed] == [
        r["run_id"] for r in runs if r["status"] == "failed"
    ] and failed
    single = http.get("/api/etl/runs", params={"mode": "single"}).json()["runs"]
    assert [r["run_id"] for r in single] == [r["run_id"] for r in runs if r["mode"] == "single"]
    assert len(single) == 2  # the single-game build and the scheduled one
    middle = runs[len(runs) // 2]["created_at"]
    since = http.get("/api/etl/runs", params={"since": middle, "limit": 500}).json()["runs"]
    until = http.get("/api/etl/runs", params={"until": middle, "limit": 500}).json()["runs"]
    assert len(since) + len(until) == len(runs)
    assert all(r["created_at"] >= middle for r in since) and all(
        r["created_at"] < middle for r in until
    )
    assert http.get("/api/etl/runs", params={"cursor": "garbage!"}).status_code == 400
    assert http.get("/api/etl/runs", params={"status": "exploded"}).status_code in (400, 422)

    # The seed's history: a list of jobs in the seed's words, the same runs, paged by header.
    seed = http.get("/api/etl/history", params={"limit": 500})
    assert seed.status_code == 200 and "X-Next-Cursor" not in seed.headers
    assert [(j["job_id"], j["run_status"]) for j in seed.json()] == [
        (str(r["run_id"]), r["status"]) for r in runs
    ]
    assert len(http.get("/api/etl/history").json()) == 10  # the seed's default limit
    first = http.get("/api/etl/history", params={"limit": 3})
    rest = http.get("/api/etl/history", params={"cursor": first.headers["X-Next-Cursor"]})
    paged_jobs = [j["run_id"] for j in first.json() + rest.json()]
    assert paged_jobs == [r["run_id"] for r in runs][:13]  # 3, then the default 10
    words = {"succeeded": "completed", "failed": "failed", "cancelled": "cancelled"}
    for seed_word in ("completed", "failed", "cancelled"):
        listed = http.get("/api/etl/history", params={"status": seed_word, "limit": 500}).json()
        assert [j["run_id"] for j in listed] == [
            r["run_id"] for r in runs if words[r["status"]] == seed_word
        ]
        assert all(j["status"] == seed_word for j in listed)
    assert http.get("/api/etl/history", params={"status": "pending"}).json() == []
    assert http.get("/api/etl/history", params={"status": "exploded"}).status_code in (400, 422)


def test_status_reports_queue_workers_and_last_build(setup, http):
    status = http.get("/api/status").json()
    assert status["database"]["reachable"] and status["dbt_available"]
    assert len(status["workers_alive"]) == 1
    assert status["queue"]["succeeded"] >= 5 and "running" not in status["queue"]
    assert status["last_successful_build"] is not None
    assert Path(setup["state"]).is_dir()
