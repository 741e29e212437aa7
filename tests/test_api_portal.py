"""The admin portal's files: served without a key, self-contained, wired to real endpoints.

What the page does in a browser is tested by tests/test_portal_browser.py; here, over plain
HTTP: the page and its static files are served open, nothing comes from another host, every
API path the scripts call exists in the OpenAPI document, and the portal's own reads answer.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from runs_harness import api_server, api_settings, create_key, make_tiny_project

STATIC = Path(__file__).resolve().parents[1] / "api" / "portal" / "static"


def test_portal_is_served_open_and_uses_only_local_endpoints(db_url: str, tmp_path: Path) -> None:
    settings = api_settings(db_url, make_tiny_project(tmp_path), tmp_path / "state")
    with api_server(settings) as base:
        root = httpx.get(f"{base}/", follow_redirects=False)
        assert root.status_code in (301, 302, 307) and root.headers["location"].endswith("/portal")

        page = httpx.get(f"{base}/portal")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        html = page.text
        assets = re.findall(r"""(?:src|href)=["'](/portal/static/[^"']+)""", html)
        assert sorted(assets) == ["/portal/static/portal.css", "/portal/static/portal.js"]
        texts = [html]
        for asset in assets:
            served = httpx.get(f"{base}{asset}")  # no key: the files are open
            assert served.status_code == 200, asset
            assert served.content == (STATIC / Path(asset).name).read_bytes()
            texts.append(served.text)
        assert httpx.get(f"{base}/portal/static/..%2Fcontroller.py").status_code == 404
        assert httpx.get(f"{base}/portal/static/nothing.js").status_code == 404
        # No CDN: nothing is fetched from another host.
        for text in texts:
            assert not re.search(r"""(src|href)=["']https?://""", text)
            assert not re.search(r"""(fetch|import)\(\s*["'`]https?://""", text)

        # Every /api path the script calls is one the API documents.
        script = texts[2]
        called = {
            re.sub(r"\$\{[^}]+\}", "{x}", p).split("${")[0].split("?")[0]
            for p in re.findall(r"""["'`](/api/[^"'`]+)""", script)
        }
        assert {"/api/health", "/api/etl/runs", "/api/etl/trigger", "/api/games"} <= called
        key = create_key(db_url, "read")
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as client:
            documented = client.get("/schema/openapi.json").json()["paths"]
            shapes = [
                re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(p.rstrip("/"))))
                for p in documented
            ]
            missing = {c for c in called if not any(s.fullmatch(c.rstrip("/")) for s in shapes)}
            assert not missing, f"the portal calls paths the API does not have: {missing}"
            assert client.get("/api/etl/runs?limit=15").status_code == 200
            assert client.get("/api/games?limit=60").status_code == 200
            rows = client.get("/api/portal/staging/dim_team/rows?limit=5")
            assert rows.status_code == 200 and rows.json()["total"] == 0
            unknown = client.get("/api/portal/staging/nothing/rows")
            assert unknown.status_code == 400 and "nothing" in unknown.json()["detail"]
            shots = client.get("/api/portal/games/18969/shots")
            assert shots.status_code == 404 and "not built yet" in shots.json()["detail"]
        assert httpx.get(f"{base}/api/games").status_code == 401
        assert httpx.get(f"{base}/api/portal/games/1/shots").status_code == 401
