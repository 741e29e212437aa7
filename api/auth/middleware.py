"""Who is calling: the key from `Authorization: Bearer` or `X-API-Key`, checked against ops.api_keys.

Guards then ask for a scope per handler. Verified keys are remembered for a few seconds, so a
portal polling status does not cost a key lookup per request; a revoked key stops working within
that time.
"""

from __future__ import annotations

import time

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from api.auth.keys import LOCAL_ADMIN, ApiKey, matches, prefix_of

OPEN_PATHS = ("/api/health", "/docs", "/redoc", "/schema", "/_docs")
CACHE_SECONDS = 10.0


_verified: dict[str, tuple[float, ApiKey]] = {}


class ApiKeyMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        settings = connection.app.state.settings
        if not settings.auth_enabled:
            return AuthenticationResult(user=LOCAL_ADMIN, auth=None)
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
            raise NotAuthorizedException("the API key is not valid")
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
