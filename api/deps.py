"""Request plumbing every domain's controllers share, written once (litestar-fullstack's lib/deps.py).

- `service_dependency`: the `service` dependency a controller declares, built per request from
  the app state (pool, queue, settings), so handlers run against the real database untouched.
- `api_key_id`: the calling key's id, injected into handlers that record who asked.
- `encode_cursor` / `decode_cursor`: the opaque paging cursors of the list endpoints.
- `NameList` / `no_names`: the bounded list-of-names fields of request bodies.
- `with_upload_limit`: mounts a domain's upload controller with the larger body limit.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Annotated, Any

import msgspec
from litestar import Request, Router
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from msgspec import Meta

from api.errors import bad_request
from api.settings import ApiSettings

Name = Annotated[str, Meta(min_length=1, max_length=200)]
NameList = Annotated[list[Name], Meta(max_length=500)]


def no_names() -> Any:
    """Default of a NameList field: an empty list."""
    return msgspec.field(default_factory=list)


def service_dependency(factory: Callable[[State], Any]) -> dict[str, Provide]:
    """`dependencies` of a controller whose handlers take `service`."""
    return {"service": Provide(factory, sync_to_thread=False)}


def provide_api_key_id(request: Request) -> int | None:
    """The id of the key that authenticated the request (None with auth off)."""
    return getattr(request.user, "key_id", None)


API_KEY_ID = {"api_key_id": Provide(provide_api_key_id, sync_to_thread=False)}
ApiKeyId = NamedDependency[int | None]


def encode_cursor(prefix: str, value: int) -> str:
    return base64.urlsafe_b64encode(f"{prefix}{value}".encode()).decode().rstrip("=")


def decode_cursor(prefix: str, cursor: str) -> int:
    """The id a cursor of `encode_cursor(prefix, id)` carries; 400 for anything else."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith(prefix):
            raise ValueError
        return int(text[len(prefix) :])
    except (ValueError, UnicodeDecodeError):
        raise bad_request(
            "invalid_cursor", "the cursor is not one this API returned", [cursor], "cursor"
        ) from None


def with_upload_limit(settings: ApiSettings, controller: type) -> Router:
    """Only upload endpoints take bodies up to BENCHSIGHT_MAX_UPLOAD_BYTES; the rest keep the
    API's small limit."""
    return Router(
        path="/", route_handlers=[controller], request_max_body_size=settings.max_upload_bytes
    )
