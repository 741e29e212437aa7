"""Bad requests are refused at the edge with the right 4xx, and nothing is queued.

No worker runs here: every request below must fail before a job exists, which the last test
checks against ops.runs and Procrastinate's job table.
"""

from __future__ import annotations

import httpx
import psycopg
import pytest
from api_checks import error
from runs_harness import (
    api_server,
    client,
    create_key,
    tiny_settings,
)

pytestmark = pytest.mark.slow
MAX_BODY = 4096


@pytest.fixture(scope="module")
def setup(db_url: str, tmp_path_factory):
    settings = tiny_settings(
        db_url,
        tmp_path_factory.mktemp("validation"),
        max_body_bytes=MAX_BODY,
        cors_origins=("http://portal.test",),
    )
    with api_server(settings) as base_url:
        yield {
            "url": base_url,
            "db": db_url,
            "run": create_key(db_url, "run"),
            "read": create_key(db_url, "read"),
        }


def test_bad_mode_and_wrong_types_are_422(http):
    body = error(http.post("/api/etl/trigger", json={"mode": "turbo"}), 422, "validation_error")
    assert "mode" in str(body["errors"])
    error(http.post("/api/etl/trigger", json={"game_ids": "101"}), 422, "validation_error")
    error(http.post("/api/etl/trigger", json={"game_ids": [-3]}), 422, "validation_error")
    error(
        http.post("/api/etl/trigger", json={"options": {"threads": "many"}}),
        422,
        "validation_error",
    )
    error(http.post("/api/etl/trigger", json={"surprise": True}), 422, "validation_error")


def test_malformed_json_is_400(http):
    response = http.post(
        "/api/etl/trigger", content=b'{"mode": ', headers={"Content-Type": "application/json"}
    )
    error(response, 400, "malformed_json")


def test_unknown_games_tables_and_empty_selections_are_400_naming_them(http):
    body = error(
        http.post("/api/etl/trigger", json={"mode": "single", "game_ids": [101, 999, 998]}),
        400,
        "unknown_games",
    )
    assert body["errors"][0]["values"] == [998, 999]
    body = error(
        http.post("/api/etl/trigger", json={"tables": ["doubled", "fact_nothing"]}),
        400,
        "unknown_tables",
    )
    assert body["errors"][0]["values"] == ["fact_nothing"]
    body = error(
        http.post("/api/etl/trigger", json={"tables": ["doubled"], "exclude_tables": ["doubled"]}),
        400,
        "empty_selection",
    )
    error(http.post("/api/etl/trigger", json={"mode": "single"}), 400, "empty_selection")
    error(
        http.post(
            "/api/etl/trigger",
            json={"mode": "single", "game_ids": [101], "exclude_game_ids": [101]},
        ),
        400,
        "empty_selection",
    )


def test_oversized_body_is_413(http):
    response = http.post("/api/etl/trigger", json={"tables": ["x" * 150] * 40})
    error(response, 413)


def test_keys_and_scopes(setup):
    with client(setup["url"], None) as anonymous:
        assert anonymous.get("/api/health").status_code == 200
        error(anonymous.get("/api/etl/history"), 401, "unauthorized")
        error(anonymous.post("/api/etl/trigger", json={}), 401, "unauthorized")
    with client(setup["url"], "bsk_00000000_not-a-real-key") as forged:
        error(forged.get("/api/etl/history"), 401, "unauthorized")
    with httpx.Client(base_url=setup["url"], headers={"X-API-Key": setup["read"]}) as reader:
        assert reader.get("/api/etl/history").status_code == 200
        error(reader.post("/api/etl/trigger", json={"mode": "full"}), 403, "forbidden")
        error(reader.post("/api/etl/cancel/1"), 403, "forbidden")
    with client(setup["url"], setup["run"]) as runner:
        error(
            runner.put("/api/etl/schedules/nightly", json={"cron": "0 4 * * *"}), 403, "forbidden"
        )


def test_unknown_runs_are_404(http):
    error(http.get("/api/etl/status/424242"), 404, "not_found")
    error(http.post("/api/etl/cancel/424242"), 404, "not_found")
    error(http.get("/api/etl/logs/424242"), 404, "not_found")


def test_nothing_was_queued(setup):
    with psycopg.connect(setup["db"]) as conn:
        assert conn.execute("select count(*) from ops.runs").fetchone()[0] == 0
        assert (
            conn.execute(
                "select count(*) from procrastinate.procrastinate_jobs where task_name = 'build_run'"
            ).fetchone()[0]
            == 0
        )


def test_schedules_are_listed_and_changed_by_admin_keys(setup):
    admin = create_key(setup["db"], "admin")
    with client(setup["url"], admin) as http:
        listed = http.get("/api/etl/schedules").json()["schedules"]
        assert [s["name"] for s in listed] == ["nightly"] and listed[0]["enabled"] is False
        changed = http.put(
            "/api/etl/schedules/nightly", json={"cron": "30 2 * * *", "enabled": True}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["cron"] == "30 2 * * *" and changed.json()["next_run_at"].endswith(
            "02:30:00Z"
        )
        error(
            http.put("/api/etl/schedules/nightly", json={"cron": "every night"}),
            400,
            "invalid_cron",
        )
        error(
            http.put("/api/etl/schedules/Bad Name", json={"cron": "0 3 * * *"}), 400, "invalid_name"
        )


def test_docs_render_offline_and_cors_follows_settings(setup):
    with httpx.Client(base_url=setup["url"], follow_redirects=True) as http:
        swagger = http.get("/docs")
        assert swagger.status_code == 200 and "/_docs/swagger/swagger-ui-bundle.js" in swagger.text
        assert "cdn" not in swagger.text.lower() and "unpkg" not in swagger.text.lower()
        redoc = http.get("/redoc")
        assert redoc.status_code == 200 and "/_docs/redoc/redoc.standalone.js" in redoc.text
        assert "fonts.googleapis" not in redoc.text
        for asset in (
            "/_docs/swagger/swagger-ui-bundle.js",
            "/_docs/swagger/swagger-ui.css",
            "/_docs/redoc/redoc.standalone.js",
        ):
            response = http.get(asset)
            assert response.status_code == 200 and len(response.content) > 10_000, asset
        schema = http.get("/schema/openapi.json").json()
        assert {"/api/etl/trigger", "/api/etl/status/{run_id}", "/api/health"} <= set(
            schema["paths"]
        )
        preflight = http.options(
            "/api/etl/history",
            headers={"Origin": "http://portal.test", "Access-Control-Request-Method": "GET"},
        )
        assert preflight.headers.get("access-control-allow-origin") == "http://portal.test"
        other = http.options(
            "/api/etl/history",
            headers={"Origin": "http://evil.test", "Access-Control-Request-Method": "GET"},
        )
        assert other.headers.get("access-control-allow-origin") != "http://evil.test"
