"""No 5xx, anywhere: every route of the OpenAPI document x every method (OPTIONS and HEAD
included) x auth state x body answers 2xx/3xx/4xx, and every 4xx carries the API's error shape.

The server is the real app (no worker, so nothing queued runs) on a module database. Path
parameters get a value that names nothing (and, in a second sweep, values that are out of range
or hostile), so a `valid admin` request cannot delete or cancel anything real.
"""

from __future__ import annotations

import logging

import httpx
import psycopg
import pytest
from runs_harness import (
    api_server,
    create_key,
    tiny_settings,
)

pytestmark = pytest.mark.slow
logging.getLogger("httpx").setLevel(logging.WARNING)  # thousands of requests

METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
JSON = {"Content-Type": "application/json"}
BODIES = {
    "none": (None, {}),
    "empty": (b"", JSON),
    "not JSON": (b"{'mode': full,", JSON),
    "wrong types": (
        b'{"mode": 7, "game_ids": "all", "tables": {"a": 1}, "rows": "x", "table_name": [],'
        b' "file": 1, "cron": false, "events": 3, "shifts": null, "game_id": "one"}',
        JSON,
    ),
    "JSON array": (b"[1, 2, 3]", JSON),
    "form": (b"file=x", {"Content-Type": "application/x-www-form-urlencoded"}),
    "multipart without file": (
        b"--b\r\nContent-Disposition: form-data; name=other\r\n\r\nx\r\n--b--\r\n",
        {"Content-Type": "multipart/form-data; boundary=b"},
    ),
}
# Path parameter values: one that names nothing (the main sweep), then hostile ones.
NOTHING = {"integer": "987654", "string": "nothing_here"}
HOSTILE = {
    "integer": ["0", "-1", "9223372036854775807", "9223372036854775808", "99999999999999999999"],
    "string": [
        "..%2F..%2Fetc%2Fpasswd",
        "run_results.json%00",
        "x%27%3B%20drop%20table%20ops.runs%3B--",
        "%E2%80%8B",
        "a" * 300,
        "manifest.json",
        "run_results.json",
    ],
}


@pytest.fixture(scope="module")
def setup(db_url: str, tmp_path_factory):
    # No CORS origins: the state in which a preflight used to answer 500.
    settings = tiny_settings(db_url, tmp_path_factory.mktemp("no5xx"))
    revoked = create_key(db_url, "admin")
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("update ops.api_keys set revoked_at = now() where revoked_at is null")
    with api_server(settings) as base_url:
        yield {
            "url": base_url,
            "db": db_url,
            "settings": settings,
            "auth": {
                "none": {},
                "malformed bearer": {"Authorization": "Bearer not-a-key"},
                "malformed scheme": {"Authorization": "Basic Zm9vOmJhcg=="},
                "malformed unicode": {"X-API-Key": "bs_\u00e9\u00e9\u00e9.\u2603".encode()},
                "revoked": {"Authorization": f"Bearer {revoked}"},
                "read only": {"Authorization": f"Bearer {create_key(db_url, 'read')}"},
                "admin": {"Authorization": f"Bearer {create_key(db_url, 'admin')}"},
            },
        }


def _operations(http: httpx.Client) -> list[tuple[str, dict[str, str]]]:
    """(path template, {parameter: kind}) for every path of the OpenAPI document."""
    document = http.get("/schema/openapi.json").json()
    found = []
    for path, item in document["paths"].items():
        kinds: dict[str, str] = {}
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path":
                    kinds[parameter["name"]] = parameter.get("schema", {}).get("type", "string")
        found.append((path, kinds))
    return found


def _fill(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


def _check(response: httpx.Response, what: str, problems: list[str]) -> None:
    status = response.status_code
    if status >= 500:
        problems.append(f"{what}: {status} {response.text[:200]}")
        return
    if status < 400 or response.request.method == "HEAD":
        return
    try:
        body = response.json()
    except ValueError:
        problems.append(f"{what}: {status} without a JSON error body: {response.text[:120]!r}")
        return
    if not isinstance(body, dict) or set(body) != {"detail", "code", "errors"}:
        problems.append(f"{what}: {status} not the error shape: {str(body)[:160]}")


def _send(http: httpx.Client, method: str, url: str, headers: dict, content) -> httpx.Response:
    request = http.build_request(method, url, headers=headers, content=content)
    response = http.send(request, stream=True)
    try:
        if "text/event-stream" not in response.headers.get("content-type", ""):
            response.read()
    finally:
        response.close()
    return response


def test_every_route_method_auth_and_body_answers_without_5xx(setup):
    problems: list[str] = []
    sent = 0
    with httpx.Client(base_url=setup["url"], timeout=30) as http:
        operations = _operations(http)
        assert len(operations) >= 25, [p for p, _ in operations]
        for template, kinds in operations:
            url = _fill(template, {n: NOTHING.get(k, "nothing_here") for n, k in kinds.items()})
            for method in METHODS:
                for auth, headers in setup["auth"].items():
                    bodies = BODIES if method in BODY_METHODS else {"none": BODIES["none"]}
                    for body_name, (content, body_headers) in bodies.items():
                        response = _send(http, method, url, {**headers, **body_headers}, content)
                        sent += 1
                        _check(response, f"{method} {url} [{auth}, {body_name}]", problems)
    assert not problems, f"{len(problems)} of {sent} requests:\n" + "\n".join(problems)


def test_hostile_path_parameters_and_headers_answer_without_5xx(setup):
    problems: list[str] = []
    admin = setup["auth"]["admin"]
    with httpx.Client(base_url=setup["url"], timeout=30) as http:
        for template, kinds in _operations(http):
            for name, kind in kinds.items():
                for value in HOSTILE.get(kind, HOSTILE["string"]):
                    others = {n: NOTHING.get(k, "x") for n, k in kinds.items() if n != name}
                    url = _fill(template, {**others, name: value})
                    for method in METHODS:
                        response = _send(http, method, url, admin, None)
                        _check(response, f"{method} {url}", problems)
        for value in ("-1", "abc", "99999999999999999999", "1e3", ""):
            response = _send(
                http, "GET", "/api/etl/runs/987654/events", {**admin, "Last-Event-ID": value}, None
            )
            _check(response, f"events Last-Event-ID={value!r}", problems)
        for query in ("limit=0", "limit=99999999999999999999", "after=-5", "cursor=%FF%FE", "x=1"):
            for path in ("/api/etl/runs", "/api/etl/history", "/api/games", "/api/etl/logs/1"):
                response = _send(http, "GET", f"{path}?{query}", admin, None)
                _check(response, f"GET {path}?{query}", problems)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("origin", ["http://portal.test", "null", "http://evil.test"])
def test_cors_preflight_without_configured_origins_is_not_a_500(setup, origin):
    """No origins configured: a preflight is not a CORS grant (no Allow-Origin), and not a 500."""
    with httpx.Client(base_url=setup["url"], timeout=30) as http:
        response = http.options(
            "/api/etl/trigger",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
    assert response.status_code < 500, response.text
    assert response.status_code in (200, 204), response.text
    assert "access-control-allow-origin" not in response.headers


def test_cors_preflight_with_configured_origins_grants_only_those(setup):
    settings = setup["settings"].with_(cors_origins=("http://portal.test",))
    preflight = {"Access-Control-Request-Method": "POST"}
    with api_server(settings) as base_url, httpx.Client(base_url=base_url, timeout=30) as http:
        allowed = http.options(
            "/api/etl/trigger", headers={**preflight, "Origin": "http://portal.test"}
        )
        other = http.options(
            "/api/etl/trigger", headers={**preflight, "Origin": "http://evil.test"}
        )
    assert allowed.status_code == 204, allowed.text
    assert allowed.headers["access-control-allow-origin"] == "http://portal.test"
    assert other.status_code == 400, other.text
    assert "access-control-allow-origin" not in other.headers
