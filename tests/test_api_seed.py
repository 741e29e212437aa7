"""The seed contract: every request example of the seed reference (api-reference-v2.00.md) and
the integration guide's portal logic, replayed over real HTTP against a real server, a real
worker building the real warehouse, and a second database of the test server as the publish
target (BENCHSIGHT_PUBLISH_URL, standing in for Supabase).

Each answer is checked field by field against the seed's example: every field it shows is
there, with the same JSON type; status words are the seed's. Values are checked against what
the databases hold, computed here. The tests run in file order and share the builds.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from api_checks import error, rows
from fixture_league import GAME_FILES, build_fixture_workbook
from psycopg import sql
from runs_harness import api_server, api_settings, create_key, wait_for, worker_process

from benchsight.config import REPO_ROOT
from loaders.tables import WORKBOOK_SHEETS
from loaders.tracking import load_tracking_paths
from loaders.workbook_load import load_workbook_file

pytestmark = pytest.mark.slow

SEED_STATUSES = {"pending", "running", "completed", "failed", "cancelled"}
STAMP = "2026-01-15T10:00:00Z"
# The seed reference's example answers, as it prints them.
HEALTH = {"status": "healthy", "version": "1.0.0", "timestamp": STAMP}
STATUS = {
    "status": "healthy",
    "version": "1.0.0",
    "environment": "development",
    "etl_available": True,
    "supabase_connected": True,
    "timestamp": STAMP,
}
TRIGGERED = {
    "job_id": "abc123",
    "status": "running",
    "mode": "full",
    "created_at": STAMP,
    "progress": 0,
    "current_step": "Starting ETL...",
}
JOB_DONE = {
    "job_id": "abc123",
    "status": "completed",
    "mode": "full",
    "created_at": STAMP,
    "completed_at": STAMP,
    "progress": 100,
    "current_step": "ETL complete",
    "result": {"tables_created": 139, "duration_seconds": 80},
}
HISTORY_ITEM = {"job_id": "abc123", "status": "completed", "mode": "full", "created_at": STAMP}
CANCELLED = {"job_id": "abc123", "status": "cancelled", "cancelled_at": STAMP}
UPLOAD_QUEUED = {"job_id": "upload123", "status": "running", "mode": "all", "created_at": STAMP}
SCHEMA = {
    "job_id": "schema123",
    "status": "completed",
    "result": {"schema_file": "sql/reset_supabase.sql", "tables_generated": 139},
}
UPLOAD_DONE = {
    "job_id": "upload123",
    "status": "completed",
    "progress": 100,
    "tables_uploaded": 139,
    "rows_uploaded": 50000,
}
BLB_UPLOADED = {"table_name": "dim_player", "rows_inserted": 2, "rows_updated": 0, "errors": []}
BLB_UPDATED = {"table_name": "dim_player", "rows_updated": 1}
BLB_LIST = ["dim_player", "dim_team", "dim_schedule"]
TRACKING_UPLOADED = {"game_id": 18969, "events_inserted": 1, "shifts_inserted": 1, "errors": []}
CLEARED = {"table_name": "dim_player", "rows_deleted": 337, "status": "cleared"}


def json_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}[type(value)]


def same_shape(body, example, where: str = "$") -> None:
    """Every field the seed's example shows is in `body`, with the same JSON type (objects and
    the first element of arrays recursively). Extra fields are allowed."""
    assert json_type(body) == json_type(example), f"{where}: {body!r} is not like {example!r}"
    if isinstance(example, dict):
        for key, value in example.items():
            assert key in body, f"{where}: no field {key!r} in {sorted(body)}"
            same_shape(body[key], value, f"{where}.{key}")
    elif isinstance(example, list) and example and body:
        for item in body:
            same_shape(item, example[0], f"{where}[]")
    if isinstance(body, dict) and "status" in body and "job_id" in body:
        assert body["status"] in SEED_STATUSES, body["status"]


@pytest.fixture(scope="module")
def setup(db_url: str, pg_admin_url: str, fixtures_dir: Path, tmp_path_factory):
    root = tmp_path_factory.mktemp("seed")
    state = root / "state"
    state.mkdir()
    workbook = build_fixture_workbook(fixtures_dir / "tracker", root / "BLB_TABLES.xlsx")
    tracker_dir = root / "tracker"
    tracker_dir.mkdir()
    for game in (18965, 18969, 18977):
        (tracker_dir / GAME_FILES[game]).symlink_to(fixtures_dir / "tracker" / GAME_FILES[game])
    # Loaded up front, so the first full build has the games; `source: excel` reloads the same.
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert not load_workbook_file(conn, workbook).failed
        assert all(not o.failed for o in load_tracking_paths(conn, [tracker_dir]))
    publish_db = f"{db_url.rsplit('/', 1)[-1]}_publish"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(publish_db)))
    publish_url = db_url.rsplit("/", 1)[0] + f"/{publish_db}"
    settings = api_settings(db_url, REPO_ROOT, state, publish_url=publish_url)
    worker_env = {
        "BENCHSIGHT_WORKBOOK_PATH": str(workbook),
        "BENCHSIGHT_TRACKER_DIR": str(tracker_dir),
        "BENCHSIGHT_PUBLISH_URL": publish_url,
    }
    try:
        with (
            api_server(settings) as base_url,
            worker_process(db_url, REPO_ROOT, state, extra_env=worker_env),
        ):
            wait_for(
                lambda: rows(db_url, "select count(*) from ops.workers")[0][0],
                60,
                what="the worker",
            )
            key = create_key(db_url, "run", "admin")
            with httpx.Client(
                base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=120
            ) as http:
                yield {
                    "url": base_url,
                    "http": http,
                    "db": db_url,
                    "publish": publish_url,
                    "settings": settings,
                }
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(
                    sql.Identifier(publish_db)
                )
            )


def poll_until_done(http: httpx.Client, path: str, timeout: float = 900) -> dict:
    """The integration guide's recommended polling: until completed or failed."""
    deadline = time.monotonic() + timeout
    while True:
        job = http.get(path).json()
        same_shape(job, {"job_id": "x", "status": "running"})
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        assert time.monotonic() < deadline, f"{path} still {job['status']}"
        time.sleep(1)


def table_digest(url: str, table: str) -> tuple[int, str]:
    """Rows and an md5 over the table's rows in text form, ordered: equal data, equal digest."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            sql.SQL(
                "select count(*), coalesce(md5(string_agg(t::text, E'\\n' order by t::text)), '')"
                " from {} as t"
            ).format(sql.Identifier("public", table))
        ).fetchone()


def test_health_and_status(setup):
    http = setup["http"]
    health = httpx.get(f"{setup['url']}/api/health").json()  # no key needed
    same_shape(health, HEALTH)
    assert health["status"] == "healthy"
    status = http.get("/api/status").json()
    same_shape(status, STATUS)
    assert status["supabase_connected"] is True and status["etl_available"] is True


def test_the_curl_trigger_builds_the_warehouse(setup):
    http = setup["http"]
    response = http.post("/api/etl/trigger", json={"mode": "full"})
    assert response.status_code == 202, response.text
    job = response.json()
    same_shape(job, TRIGGERED)
    done = poll_until_done(http, f"/api/etl/status/{job['job_id']}")
    same_shape(done, JOB_DONE)
    assert done["status"] == "completed", done["errors"]
    assert done["progress"] == 100 and done["job_id"] == job["job_id"]
    built = rows(
        setup["db"],
        "select count(*) from ops.run_nodes where run_id = %s and resource_type in ('model', 'seed')"
        " and status = 'success'",
        int(job["job_id"]),
    )[0][0]
    assert done["result"]["tables_created"] == built > 40
    assert done["error"] is None and done["result"]["published_to"] is None


def test_the_seed_trigger_body_with_every_option(setup):
    """mode, game_ids, source excel, exclude_game_ids, wipe, upload_to_supabase: the games'
    models are rebuilt from the reloaded workbook and tracker folder, then published."""
    http = setup["http"]
    body = {
        "mode": "full",
        "game_ids": [18969, 18977],
        "source": "excel",
        "exclude_game_ids": [18965],
        "options": {"wipe": False, "upload_to_supabase": True},
    }
    response = http.post("/api/etl/trigger", json=body)
    assert response.status_code == 202, response.text
    job = response.json()
    same_shape(job, TRIGGERED)
    assert job["selection"]["vars"] == {"game_ids": [18969, 18977]}
    done = poll_until_done(http, f"/api/etl/status/{job['job_id']}")
    assert done["status"] == "completed", done["errors"]
    same_shape(done, JOB_DONE)
    # source excel reloaded the workbook and the folder (its files unchanged): three games.
    assert rows(setup["db"], "select game_id from raw.tracker_games order by 1") == [
        (18965,),
        (18969,),
        (18977,),
    ]
    published = rows(
        setup["db"],
        "select jsonb_object_keys(summary->'publish'->'table_rows') from ops.runs where run_id = %s",
        int(job["job_id"]),
    )
    names = sorted(r[0] for r in published)
    assert "fact_player_game_stats" in names and "dim_team" not in names  # a games build
    assert done["published_to"] == "publish_target" and done["tables_uploaded"] == len(names)
    digests = {name: table_digest(setup["db"], name) for name in names}
    assert {name: table_digest(setup["publish"], name) for name in names} == digests
    assert done["rows_uploaded"] == sum(count for count, _ in digests.values()) > 0


def test_the_portal_snippet_works_unchanged(setup):
    """triggerETL() then pollJobStatus(job.job_id) of the integration guide, step for step:
    it polls again only while `running` and reports success on `completed`."""
    http = setup["http"]
    job = http.post(
        "/api/etl/trigger",
        json={"mode": "full", "options": {"wipe": False, "upload_to_supabase": True}},
    ).json()
    job_id = job["job_id"]
    outcome, progress_seen = None, []
    while True:
        polled = http.get(f"/api/etl/status/{job_id}").json()
        if polled["status"] == "running":
            progress_seen.append((polled["progress"], polled["current_step"]))
            time.sleep(1)
            continue
        if polled["status"] == "completed":
            outcome = "ETL completed successfully!"
        break
    assert outcome == "ETL completed successfully!", polled
    assert all(isinstance(p, int) and isinstance(s, str) for p, s in progress_seen)
    names = rows(
        setup["db"],
        "select jsonb_object_keys(summary->'publish'->'table_rows') from ops.runs where run_id = %s",
        int(job_id),
    )
    assert {"dim_team", "dim_player", "fact_standings"} <= {r[0] for r in names}
    assert polled["tables_uploaded"] == len(names)


def test_history_lists_jobs_with_the_seed_filters(setup):
    http = setup["http"]
    history = http.get("/api/etl/history").json()
    same_shape(history, [HISTORY_ITEM])
    assert len(history) == 3 and all(j["status"] == "completed" for j in history)
    ids = [int(j["job_id"]) for j in history]
    assert ids == sorted(ids, reverse=True)
    assert [j["job_id"] for j in http.get("/api/etl/history", params={"limit": 1}).json()] == [
        history[0]["job_id"]
    ]
    for word in SEED_STATUSES:
        listed = http.get("/api/etl/history", params={"status": word}).json()
        assert listed == [j for j in history if j["status"] == word]


def test_cancel_answers_cancelled_with_the_time(setup):
    http = setup["http"]
    job = http.post("/api/etl/trigger", json={"mode": "full"}).json()
    cancelled = http.post(f"/api/etl/cancel/{job['job_id']}")
    assert cancelled.status_code == 200, cancelled.text
    same_shape(cancelled.json(), CANCELLED)
    assert cancelled.json()["status"] == "cancelled"
    final = http.get(f"/api/etl/status/{job['job_id']}").json()
    assert (
        final["status"] == "cancelled" and final["cancelled_at"] == cancelled.json()["cancelled_at"]
    )
    listed = http.get("/api/etl/history", params={"status": "cancelled"}).json()
    assert [j["job_id"] for j in listed] == [job["job_id"]]


def test_upload_of_named_tables_in_batches(setup):
    http = setup["http"]
    body = {
        "tables": ["fact_events", "dim_player"],
        "mode": "all",
        "options": {"replace": False, "batch_size": 1000},
    }
    response = http.post("/api/upload/to-supabase", json=body)
    assert response.status_code == 202, response.text
    same_shape(response.json(), UPLOAD_QUEUED)
    done = poll_until_done(http, f"/api/upload/status/{response.json()['job_id']}")
    assert done["status"] == "completed", done["errors"]
    same_shape(done, UPLOAD_DONE)
    digests = {t: table_digest(setup["db"], t) for t in ("dim_player", "fact_events")}
    assert {t: table_digest(setup["publish"], t) for t in digests} == digests
    assert done["tables_uploaded"] == 2
    assert done["rows_uploaded"] == sum(count for count, _ in digests.values())
    batches = rows(
        setup["db"],
        "select (summary->'publish'->>'batches')::int from ops.runs where run_id = %s",
        int(done["job_id"]),
    )[0][0]
    assert batches == sum(math.ceil(count / 1000) for count, _ in digests.values())
    # Keys and indexes came along: the same primary key as in the warehouse.
    key_query = (
        "select pg_get_constraintdef(oid) from pg_constraint"
        " where conrelid = 'public.dim_player'::regclass and contype = 'p'"
    )
    assert rows(setup["publish"], key_query) == rows(setup["db"], key_query) != []


def test_upload_of_everything_as_the_guide_sends_it(setup):
    http = setup["http"]
    job = http.post("/api/upload/to-supabase", json={"mode": "all"}).json()
    same_shape(job, UPLOAD_QUEUED)
    done = poll_until_done(http, f"/api/upload/status/{job['job_id']}")
    assert done["status"] == "completed", done["errors"]
    same_shape(done, UPLOAD_DONE)
    with psycopg.connect(setup["publish"]) as conn:
        copied = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'public'"
                " order by 1"
            )
        ]
    assert done["tables_uploaded"] == len(copied) > 40
    assert done["rows_uploaded"] == sum(table_digest(setup["publish"], t)[0] for t in copied)
    assert table_digest(setup["publish"], "fact_standings") == table_digest(
        setup["db"], "fact_standings"
    )


def test_generate_schema_and_the_file(setup):
    http = setup["http"]
    response = http.post("/api/upload/generate-schema", json={"options": {}})
    assert response.status_code == 200, response.text
    same_shape(response.json(), SCHEMA)
    assert response.json()["result"]["tables_generated"] == len(response.json()["tables"]) > 40
    assert http.get("/api/upload/schema-file").text == response.json()["ddl"]
    refused = error(
        http.post("/api/upload/generate-schema", json={"options": {"drop_first": True}}), 422
    )
    assert "drop_first" in str(refused)


def test_the_staging_calls(setup, fixtures_dir):
    http = setup["http"]
    db = setup["db"]
    players_before = rows(db, "select count(*) from raw.blb_dim_player")[0][0]
    uploaded = http.post(
        "/api/staging/blb-tables/upload",
        json={
            "table_name": "dim_player",
            "data": [
                {"player_id": "P001", "first_name": "John", "last_name": "Doe"},
                {"player_id": "P002", "first_name": "Jane", "last_name": "Smith"},
            ],
            "replace": False,
        },
    )
    assert uploaded.status_code == 200, uploaded.text
    same_shape(uploaded.json(), BLB_UPLOADED)
    assert uploaded.json()["rows_inserted"] == 2
    assert rows(
        db,
        "select player_first_name, player_last_name from raw.blb_dim_player"
        " where player_id in ('P001', 'P002') order by player_id",
    ) == [("John", "Doe"), ("Jane", "Smith")]

    updated = http.put(
        "/api/staging/blb-tables/update",
        json={
            "table_name": "dim_player",
            "filter_column": "player_id",
            "filter_value": "P001",
            "updates": {"first_name": "Johnny", "current_skill_rating": 85},
        },
    )
    assert updated.status_code == 200, updated.text
    same_shape(updated.json(), BLB_UPDATED)
    assert updated.json()["rows_updated"] == 1
    assert rows(
        db,
        "select player_first_name, current_skill_rating from raw.blb_dim_player where player_id = 'P001'",
    ) == [("Johnny", "85")]

    listed = http.get("/api/staging/blb-tables/list").json()
    same_shape(listed, BLB_LIST)
    assert set(BLB_LIST) <= set(listed) and listed == [s.name for s in WORKBOOK_SHEETS]

    # The seed's tracking example is not a game: its event lacks the tracker's required keys,
    # so it is refused naming the first one missing, and nothing is written.
    before = rows(db, "select count(*) from raw.tracker_events where game_id = 18969")
    refused = error(
        http.post(
            "/api/staging/tracking/upload",
            json={
                "game_id": 18969,
                "events": [{"tracking_event_index": "1", "period": "1", "Type": "Shot"}],
                "shifts": [{"shift_index": "1", "Period": "1", "shift_start_type": "Faceoff"}],
            },
        ),
        422,
        "invalid_tracking",
    )
    assert refused["errors"][0]["location"] == "$.events[0].idx"
    assert rows(db, "select count(*) from raw.tracker_events where game_id = 18969") == before
    # A real game in the same call answers the seed's fields.
    game = json.loads((fixtures_dir / "tracker" / "18969.json").read_text())
    tracking = http.post(
        "/api/staging/tracking/upload",
        json={
            **game,
            "game_id": 18969,
            "events": game["events"][:40],
            "shifts": game["shifts"][:5],
        },
    )
    assert tracking.status_code == 200, tracking.text
    same_shape(tracking.json(), TRACKING_UPLOADED)
    assert (tracking.json()["events_inserted"], tracking.json()["shifts_inserted"]) == (40, 5)
    assert rows(db, "select count(*) from raw.tracker_events where game_id = 18969") == [(40,)]

    cleared = http.delete("/api/staging/blb-tables/dim_player", params={"confirm": "true"})
    assert cleared.status_code == 200, cleared.text
    same_shape(cleared.json(), CLEARED)
    assert cleared.json()["rows_deleted"] == players_before + 2
    assert rows(db, "select count(*) from raw.blb_dim_player") == [(0,)]
