"""dbt as a subprocess: command lines, JSON-event parsing, selection, a real build, a real cancel."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import psycopg
import pytest
from runs_harness import NODE_COUNT, control, make_tiny_project, prepare_database, process_alive

from benchsight.db import connection_env
from dbt_project.commands import DbtCommand, dbt_environment
from dbt_project.runner import EventTracker, Listener, run_dbt
from dbt_project.selection import (
    GAME_EXCLUDE,
    GAME_SELECTOR,
    ManifestIndex,
    Selection,
    SelectionError,
    game_selection,
    selected_nodes,
    table_selection,
)


def _event(name: str, level: str = "info", msg: str = "", **data) -> str:
    return json.dumps(
        {
            "info": {"name": name, "level": level, "msg": msg, "ts": "2026-01-01T00:00:00Z"},
            "data": data,
        }
    )


def _node(uid: str, status: str, resource_type: str = "model") -> dict:
    return {
        "unique_id": uid,
        "node_name": uid.split(".")[-1],
        "resource_type": resource_type,
        "node_status": status,
    }


def test_command_line_has_json_logs_target_path_and_selection(tmp_path: Path):
    argv = DbtCommand(
        "build",
        select=["a+", "tag:x"],
        exclude=["b"],
        full_refresh=True,
        threads=3,
        vars={"game_ids": [2, 1]},
        target_path=tmp_path / "t",
    ).argv(Path("/proj"))
    assert argv[1:4] == ["build", "--log-format", "json"]
    assert argv[argv.index("--select") + 1 : argv.index("--select") + 3] == ["a+", "tag:x"]
    assert argv[argv.index("--exclude") + 1] == "b"
    assert "--full-refresh" in argv
    assert argv[argv.index("--threads") + 1] == "3"
    assert json.loads(argv[argv.index("--vars") + 1]) == {"game_ids": [2, 1]}
    assert argv[argv.index("--target-path") + 1] == str(tmp_path / "t")
    retry = DbtCommand("retry", select=["ignored"], state=tmp_path / "old").argv(Path("/proj"))
    assert "--select" not in retry and retry[retry.index("--state") + 1] == str(tmp_path / "old")
    env = dbt_environment({"BENCHSIGHT_DB_NAME": "x"}, "benchsight-run-7")
    assert env["DO_NOT_TRACK"] == "1" and env["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "false"
    assert env["PGAPPNAME"] == "benchsight-run-7"


def test_event_tracker_counts_skipped_nodes_as_done():
    tracker = EventTracker()
    lines = [
        _event("ConcurrencyLine", node_count=4),
        _event("LogStartLine", node_info=_node("model.p.a", "started"), index=1, total=4),
        _event(
            "LogModelResult",
            node_info=_node("model.p.a", "success"),
            status="SELECT 12",
            execution_time=0.5,
        ),
        _event(
            "LogModelResult",
            "error",
            node_info=_node("model.p.b", "error"),
            status="error",
            execution_time=0.1,
        ),
        _event("SkippingDetails", node_name="c", resource_type="model", index=3, total=4),
        _event("LogTestResult", node_info=_node("test.p.t", "pass", "test"), status="pass"),
        _event(
            "RunResultError",
            "error",
            msg="Database Error in model b (models/b.sql)\n  boom",
            msg_="x",
        ),
        _event("StatsLine", stats={"pass": 2, "error": 1, "skip": 1, "total": 4}),
        "not json at all",
    ]
    logs = [tracker.apply(line)[1] for line in lines]
    progress = tracker.progress
    assert (progress.total, progress.done, progress.failed, progress.skipped) == (4, 4, 1, 1)
    assert progress.percent == 100.0
    assert tracker.nodes["model.p.a"].rows_affected == 12
    assert tracker.nodes["model.p.a"].seconds == 0.5
    assert tracker.nodes["model.c"].status == "skipped"
    assert tracker.errors == [
        {"node": "b", "message": "Database Error in model b (models/b.sql)\n  boom"}
    ]
    assert tracker.stats["error"] == 1
    assert logs[-1].event == "stdout" and logs[-1].message == "not json at all"


def test_game_selection_builds_incremental_models_and_downstream():
    selection = game_selection([18969, 18977, 18969], exclude_game_ids=[18977])
    assert selection.select == (GAME_SELECTOR,)
    assert selection.exclude == GAME_EXCLUDE
    assert selection.vars == {"game_ids": [18969]}
    assert selection.dbt_env() == {"BENCHSIGHT_GAME_IDS": "18969"} and selection.dbt_vars() is None
    assert Selection().dbt_env() == {"BENCHSIGHT_GAME_IDS": ""}
    with pytest.raises(SelectionError) as raised:
        game_selection([5], exclude_game_ids=[5])
    assert raised.value.code == "empty_selection"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return make_tiny_project(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def env(db_url: str) -> dict[str, str]:
    prepare_database(db_url)
    return dbt_environment(connection_env(db_url), "benchsight-runner-test")


class Recorder(Listener):
    def __init__(self):
        self.progress = []
        self.finished = []
        self.logs = []
        self.pid = None
        self.started = threading.Event()

    def on_start(self, pid):
        self.pid = pid

    def on_progress(self, progress):
        self.progress.append((progress.done, progress.total, progress.percent))

    def on_node_started(self, unique_id, name, resource_type):
        if name == "slow":
            self.started.set()

    def on_node_finished(self, node):
        self.finished.append(node)

    def on_log(self, line):
        self.logs.append(line)


@pytest.mark.slow
def test_real_build_reports_progress_failures_skips_and_artifacts(project, env, db_url, tmp_path):
    control(db_url, fail=True)
    recorder = Recorder()
    outcome = run_dbt(DbtCommand("build", target_path=tmp_path / "target"), project, env, recorder)
    assert outcome.status == "failed" and outcome.exit_code == 1
    nodes = {n.name: n for n in outcome.nodes}
    assert nodes["flaky"].status == "error" and "division by zero" in nodes["flaky"].message
    assert nodes["after_flaky"].status == "skipped"
    assert nodes["after_flaky"].unique_id == "model.tiny.after_flaky"
    assert nodes["doubled"].rows_affected == 2  # `select id * 2 ... from numbers` has two rows
    assert nodes["unique_doubled_id"].status == "pass"
    assert (outcome.progress.total, outcome.progress.done) == (NODE_COUNT, NODE_COUNT)
    assert (outcome.progress.failed, outcome.progress.skipped) == (1, 1)
    assert recorder.progress[-1][2] == 100.0
    assert [e["node"] for e in outcome.errors] == ["flaky"]
    assert (tmp_path / "target" / "run_results.json").exists() and (
        tmp_path / "target" / "manifest.json"
    ).exists()
    assert any(line.event == "StatsLine" for line in recorder.logs)

    # dbt's own retry against this run's artifacts re-runs only what failed or was skipped.
    control(db_url, fail=False)
    retried = run_dbt(
        DbtCommand("retry", state=tmp_path / "target", target_path=tmp_path / "retry"), project, env
    )
    assert retried.status == "succeeded", (
        retried.errors,
        [(n.name, n.status) for n in retried.nodes],
    )
    assert sorted(n.name for n in retried.nodes) == ["after_flaky", "flaky"]

    # Selection is checked against this manifest without running dbt.
    index = ManifestIndex.from_file(tmp_path / "target" / "manifest.json")
    games = table_selection(index, [], [], game_selection([101]))
    assert {index.nodes[u]["name"] for u in selected_nodes(index, games)} == {"games", "season"}
    upstream = Selection(select=("+slow",))
    assert {index.nodes[u]["name"] for u in selected_nodes(index, upstream)} == {
        "numbers",
        "doubled",
        "slow",
        "unique_doubled_id",
        "not_null_doubled_id",
    }
    with pytest.raises(SelectionError) as unknown:
        table_selection(index, ["fact_nothing", "doubled"], [], None)
    assert unknown.value.code == "unknown_tables" and unknown.value.values == ["fact_nothing"]
    with pytest.raises(SelectionError) as empty:
        table_selection(index, ["doubled"], ["doubled"], None)
    assert empty.value.code == "empty_selection"


@pytest.mark.slow
def test_cancel_interrupts_dbt_and_its_query(project, env, db_url, tmp_path):
    control(db_url, sleep_seconds=60)
    recorder = Recorder()
    cancel = threading.Event()
    result = {}
    thread = threading.Thread(
        target=lambda: result.update(
            outcome=run_dbt(
                DbtCommand("build", select=["slow"], target_path=tmp_path / "t"),
                project,
                env,
                recorder,
                cancel,
                # The product's grace (10 s) and then some: on a loaded 2-core machine dbt has
                # been seen to need more than 5 s to cancel its query after the SIGINT, and a
                # dbt killed before it does leaves the query running (the run executor then
                # stops the run's backends; this test is about dbt's own cancel).
                20.0,
            )
        )
    )
    thread.start()
    assert recorder.started.wait(60), "the slow model never started"
    time.sleep(0.5)
    started = time.monotonic()
    cancel.set()
    thread.join(45)
    outcome = result["outcome"]
    assert outcome.status == "cancelled"
    assert time.monotonic() - started < 25
    assert not process_alive(recorder.pid)
    # dbt cancels its query on SIGINT; on a loaded machine the backend may take a moment to end.
    deadline = time.monotonic() + 15
    with psycopg.connect(db_url, autocommit=True) as conn:
        while True:
            left = conn.execute(
                "select count(*) from pg_stat_activity where application_name = 'benchsight-runner-test'"
            ).fetchone()[0]
            if left == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert left == 0
    control(db_url)


@pytest.mark.slow
def test_benchsight_build_prints_a_line_per_node_and_a_summary(project, env, db_url, tmp_path):
    import os
    import subprocess
    import sys

    control(db_url, fail=True)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchsight.cli",
            "build",
            "--project-dir",
            str(project),
            "--select",
            "+after_flaky",
            "+doubled",
        ],
        env={**os.environ, "DATABASE_URL": db_url, "BENCHSIGHT_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    control(db_url)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert any("ERROR" in line and "flaky" in line for line in lines)
    assert any("SKIP" in line and "after_flaky" in line for line in lines)
    assert any(line.strip().startswith("[") and " doubled " in line for line in lines)
    assert "build failed" in done.stdout
    assert (
        "models/seeds: 2 of 4 built" in done.stdout
    )  # numbers, doubled; flaky failed, after_flaky skipped
    assert "tests:        2 of 2 passed" in done.stdout
    assert "failures:     1" in done.stdout and "division by zero" in done.stdout
