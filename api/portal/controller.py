"""`GET /` and `GET /portal`: the admin portal page.

The page holds no data: its script asks for an API key (kept in the browser's localStorage) and
calls the same endpoints any client uses, so it needs no auth of its own and no CDN.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from litestar import Response, get
from litestar.response import Redirect

PAGE = Path(__file__).with_name("portal.html")


@cache
def _page() -> bytes:
    return PAGE.read_bytes()


@get("/portal", include_in_schema=False, opt={"exclude_from_auth": True})
async def portal() -> Response[bytes]:
    return Response(_page(), media_type="text/html")


@get("/", include_in_schema=False, opt={"exclude_from_auth": True})
async def root() -> Redirect:
    return Redirect(path="/portal")
