"""The admin portal page: served without a key, self-contained, wired to the real endpoints."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from runs_harness import api_server, api_settings, create_key, make_tiny_project


def test_portal_is_served_open_and_uses_only_local_endpoints(db_url: str, tmp_path: Path) -> None:
    settings = api_settings(db_url, make_tiny_project(tmp_path), tmp_path / "state")
    with api_server(settings) as base:
        root = httpx.get(f"{base}/", follow_redirects=False)
        assert root.status_code in (301, 302, 307) and root.headers["location"].endswith("/portal")

        page = httpx.get(f"{base}/portal")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        html = page.text
        # No CDN: no script, style or image is fetched from another host.
        assert not re.search(r"""(src|href)=["']https?://""", html)
        # The page calls endpoints that exist; with a key they answer, without one they do not.
        called = set(re.findall(r"""["'`](/api/[a-z/]+)""", html))
        assert {"/api/health", "/api/etl/runs", "/api/etl/trigger", "/api/games"} <= called
        key = create_key(db_url, "read")
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as client:
            assert client.get("/api/etl/runs?limit=15").status_code == 200
            assert client.get("/api/games?limit=60").status_code == 200
        assert httpx.get(f"{base}/api/games").status_code == 401
