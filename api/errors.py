"""Every error leaves the API as `{"detail", "code", "errors"}` with the status that fits it."""

from __future__ import annotations

import logging

import msgspec
import psycopg
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

log = logging.getLogger("benchsight.api")


class ErrorBody(msgspec.Struct):
    detail: str
    code: str
    errors: list[dict] = msgspec.field(default_factory=list)


class ApiError(Exception):
    """An error a handler or service raises on purpose, with its status and machine code."""

    def __init__(self, status: int, code: str, detail: str, errors: list[dict] | None = None):
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors or []


def bad_request(
    code: str, detail: str, values: list | None = None, field: str | None = None
) -> ApiError:
    errors = [{"field": field, "values": values}] if values is not None else []
    return ApiError(HTTP_400_BAD_REQUEST, code, detail, errors)


def not_found(what: str, ident: object) -> ApiError:
    return ApiError(404, "not_found", f"{what} {ident} does not exist")


def conflict(code: str, detail: str, errors: list[dict] | None = None) -> ApiError:
    return ApiError(409, code, detail, errors)


def _respond(
    status: int, code: str, detail: str, errors: list[dict] | None = None, headers=None
) -> Response:
    return Response(
        content=ErrorBody(detail=detail, code=code, errors=errors or []),
        status_code=status,
        headers=headers,
    )


def api_error_handler(_: Request, exc: ApiError) -> Response:
    return _respond(exc.status, exc.code, exc.detail, exc.errors)


def validation_handler(_: Request, exc: ValidationException) -> Response:
    """Well-formed input of the wrong shape or type (body, query, headers)."""
    extra = exc.extra if isinstance(exc.extra, list) else ([exc.extra] if exc.extra else [])
    return _respond(
        HTTP_422_UNPROCESSABLE_ENTITY,
        "validation_error",
        str(exc.detail or "invalid request"),
        extra,
    )


def http_error_handler(_: Request, exc: HTTPException) -> Response:
    codes = {
        # Litestar's own 400s that are not validation errors come from decoding the body.
        HTTP_400_BAD_REQUEST: "malformed_json",
        HTTP_401_UNAUTHORIZED: "unauthorized",
        HTTP_403_FORBIDDEN: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        HTTP_413_REQUEST_ENTITY_TOO_LARGE: "body_too_large",
        429: "too_many_requests",
    }
    # An exception's own headers (Retry-After on a 429) are kept.
    headers = dict(exc.headers or {})
    if isinstance(exc, NotAuthorizedException):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, PermissionDeniedException):
        return _respond(HTTP_403_FORBIDDEN, "forbidden", str(exc.detail))
    return _respond(
        exc.status_code,
        codes.get(exc.status_code, "http_error"),
        str(exc.detail),
        headers=headers or None,
    )


def database_down_handler(_: Request, exc: psycopg.OperationalError) -> Response:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return _respond(
        HTTP_503_SERVICE_UNAVAILABLE,
        "database_unavailable",
        f"the database is not reachable: {first}",
    )


def _raised_decoding_the_body(exc: BaseException) -> bool:
    """Whether `exc` came out of Litestar reading the request body (not out of our code)."""
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name in ("json_extractor", "msgpack_extractor"):
            return True
        tb = tb.tb_next
    return False


def undecodable_body_handler(request: Request, exc: Exception) -> Response:
    """Litestar turns msgspec's DecodeError into a 400, but not the two errors its decoder
    raises around it: bytes that are not UTF-8, and nesting deeper than the decoder recurses."""
    if not _raised_decoding_the_body(exc):
        return unexpected_handler(request, exc)
    reason = (
        "nested too deeply"
        if isinstance(exc, RecursionError)
        else f"not UTF-8 ({exc.reason} at byte {getattr(exc, 'start', '?')})"
    )
    return _respond(HTTP_400_BAD_REQUEST, "malformed_json", f"the request body is {reason}")


def unexpected_handler(_: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return _respond(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal_error",
        "an unexpected error happened; see the server log",
    )


EXCEPTION_HANDLERS = {
    ApiError: api_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_error_handler,
    psycopg.OperationalError: database_down_handler,
    RecursionError: undecodable_body_handler,
    UnicodeDecodeError: undecodable_body_handler,
    Exception: unexpected_handler,
}
