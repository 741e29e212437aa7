"""`GET /` and `GET /portal`: the admin portal; `GET /portal/static/{name}`: its files.

The page holds no data: its scripts ask for an API key (kept in the browser's localStorage) and
call the same endpoints any client uses, so it needs no auth of its own and no CDN. Plain HTML,
CSS and JS in `static/` (no build step, no library); only the files found there are served.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from litestar import Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

STATIC = Path(__file__).with_name("static")
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


@cache
def _files() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in STATIC.iterdir() if p.suffix in TYPES}


@get("/portal", include_in_schema=False, opt={"exclude_from_auth": True}, sync_to_thread=False)
def portal() -> Response[bytes]:
    return Response(_files()["index.html"], media_type=TYPES[".html"])


@get(
    "/portal/static/{name:str}",
    include_in_schema=False,
    opt={"exclude_from_auth": True},
    sync_to_thread=False,
)
def portal_file(name: FromPath[str]) -> Response[bytes]:
    body = _files().get(name)
    if body is None:
        raise NotFoundException(f"the portal has no file {name!r}")
    return Response(
        body, media_type=TYPES[Path(name).suffix], headers={"Cache-Control": "no-cache"}
    )


@get("/", include_in_schema=False, opt={"exclude_from_auth": True})
async def root() -> Redirect:
    return Redirect(path="/portal")
