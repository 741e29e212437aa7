"""`GET /lineage`: the dbt docs site of the current project, open to anyone (no key).

The site is the single-file `static_index.html` (manifest and catalog inside), so it needs no
other request; `manifest.json`, `catalog.json` and dbt's `index.html` are served beside it for
tools that read them. Until the worker has generated it (after the first successful build) the
answer is a 404 page that says so.
"""

from __future__ import annotations

from litestar import Response, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File

from api.lineage.site import SITE_FILES, site_dir

NOT_YET = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lineage</title></head>
<body style="font:15px system-ui,sans-serif;margin:40px;max-width:640px">
<h1>The lineage site is not generated yet</h1>
<p>The worker generates it after the first successful build. Trigger a build from the
<a href="/portal">portal</a> and this page will show the dbt docs of the project.</p>
</body></html>"""


@get("/lineage", include_in_schema=False, opt={"exclude_from_auth": True}, sync_to_thread=False)
def lineage_index(state: State) -> Response:
    page = site_dir(state.settings) / "static_index.html"
    if not page.exists():
        return Response(NOT_YET, status_code=404, media_type="text/html")
    return File(page, media_type="text/html", content_disposition_type="inline")


@get(
    "/lineage/{name:str}",
    include_in_schema=False,
    opt={"exclude_from_auth": True},
    sync_to_thread=False,
)
def lineage_file(state: State, name: FromPath[str]) -> File:
    path = site_dir(state.settings) / name
    if name not in SITE_FILES or not path.exists():
        raise NotFoundException(f"no lineage file {name!r}: one of {', '.join(SITE_FILES)}")
    kind = "text/html" if name.endswith(".html") else "application/json"
    return File(path, media_type=kind, content_disposition_type="inline")
