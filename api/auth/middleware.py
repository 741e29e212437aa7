"""Who is calling: the key from `Authorization: Bearer` or `X-API-Key`, checked against ops.api_keys.

Guards then ask for a scope per handler. Verified keys are remembered for a few seconds, so a
portal polling status does not cost a key lookup per request; a revoked key stops working within
that time.

A client (by address) that presents BAD_KEYS_PER_WINDOW wrong keys within
BAD_KEY_WINDOW_SECONDS is answered 429 with `Retry-After` until the oldest of those failures
leaves the window, before any key lookup: guessing keys costs the guesser, not the database.
A key is never written to a log; only its public prefix may be.
"""

from __future__ import annotations

import time
from collections import deque

from litestar.connection import ASGIConnection
from litestar.exceptions import (
    NotAuthorizedException,
    PermissionDeniedException,
    TooManyRequestsException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from api.auth.keys import LOCAL_ADMIN, ApiKey, matches, prefix_of

OPEN_PATHS = ("/api/health", "/docs", "/redoc", "/schema", "/_docs")
CACHE_SECONDS = 10.0


BAD_KEYS_PER_WINDOW = 10
BAD_KEY_WINDOW_SECONDS = 60.0


_verified: dict[str, tuple[float, ApiKey]] = {}


def _failures(connection: ASGIConnection) -> dict[str, deque[float]]:
    """This app's record: client address -> times of its recent wrong keys (oldest first)."""
    state = connection.app.state
    if not hasattr(state, "bad_keys"):
        state.bad_keys = {}
    return state.bad_keys


def _client(connection: ASGIConnection) -> str:
    return connection.client.host if connection.client else "unknown"


def _throttle(failures: dict[str, deque[float]], client: str) -> None:
    """429 when `client` has presented wrong keys too often lately."""
    recent = failures.get(client)
    if not recent:
        return
    now = time.monotonic()
    while recent and recent[0] <= now - BAD_KEY_WINDOW_SECONDS:
        recent.popleft()
    if len(recent) >= BAD_KEYS_PER_WINDOW:
        retry_after = max(1, int(recent[0] + BAD_KEY_WINDOW_SECONDS - now + 0.999))
        raise TooManyRequestsException(
            f"too many requests with an invalid API key from this client; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
    if not recent:
        del failures[client]


def _wrong_key(failures: dict[str, deque[float]], client: str) -> NotAuthorizedException:
    failures.setdefault(client, deque()).append(time.monotonic())
    if len(failures) > 10_000:  # many distinct clients: forget the quietest half
        for stale in sorted(failures, key=lambda c: failures[c][-1])[:5_000]:
            del failures[stale]
    return NotAuthorizedException("the API key is not valid")


class ApiKeyMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        settings = connection.app.state.settings
        if not settings.auth_enabled:
            return AuthenticationResult(user=LOCAL_ADMIN, auth=None)
        failures, client = _failures(connection), _client(connection)
        _throttle(failures, client)
        key = _presented_key(connection)
        if not key:
            raise NotAuthorizedException(
                "an API key is required: send `Authorization: Bearer <key>` or `X-API-Key`"
            )
        cached = _verified.get(key)
        if cached and cached[0] > time.monotonic():
            return AuthenticationResult(user=cached[1], auth=key)
        found = await _lookup(connection.app.state.pool, key)
        if found is None:
            raise _wrong_key(failures, client)
        _verified[key] = (time.monotonic() + CACHE_SECONDS, found)
        return AuthenticationResult(user=found, auth=key)


def _presented_key(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return connection.headers.get("x-api-key", "").strip() or None


async def _lookup(pool, key: str) -> ApiKey | None:
    prefix = prefix_of(key)
    if prefix is None:
        return None
    async with pool.connection() as conn:
        row = await (
            await conn.execute(
                "update ops.api_keys set last_used_at = now() where prefix = %s and revoked_at is null"
                " returning key_id, name, scopes, secret_sha256",
                [prefix],
            )
        ).fetchone()
    if row is None or not matches(key, row[3]):
        return None
    return ApiKey(row[0], row[1], tuple(row[2]))


def requires(scope: str):
    """A guard: the caller's key must carry `scope` (or a wider one)."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        if connection.scope.get("method") == "OPTIONS":
            # The middleware leaves OPTIONS unauthenticated (a browser's preflight carries no
            # key), so there is no user to ask: the only OPTIONS handlers are Litestar's own,
            # answering which methods a path allows (CORS preflights, when origins are
            # configured, are answered by the CORS middleware before any guard).
            return
        user = connection.scope.get("user")
        if not isinstance(user, ApiKey) or not user.allows(scope):
            raise PermissionDeniedException(f"this API key lacks the `{scope}` scope")

    guard.__name__ = f"requires_{scope}"
    return guard
