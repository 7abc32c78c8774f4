"""Every refusal, ours (the one error table, `entrypoints.refusals`) or the framework's,
becomes the envelope `{"error", "code", "request_id", "details"?}` with the status the
contract names."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)

from entrypoints.http.envelope import Refusal, render, request_id_of
from entrypoints.refusals import (
    NOT_FOUND_MESSAGE,
    TABLE,
    ApiError,
    field_from,
    refusal_of,
    validation_error,
    validation_refusal,
)

__all__ = [
    "NOT_FOUND_MESSAGE",
    "TABLE",
    "ApiError",
    "handle",
    "refusal_for",
    "validation_error",
    "validation_refusal",
]

log = logging.getLogger("openpost.http")

UNAUTHENTICATED = Refusal(
    401,
    "invalid_api_key",
    "Invalid API key",
    headers=(("WWW-Authenticate", "Bearer"),),
    with_request_id=False,
)
INTERNAL = Refusal(500, "internal_error", "Something went wrong on our side.")


class NotAuthenticated(Exception):
    """A /v1 handler found no caller: the gate did not authenticate this request."""


def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """Litestar's one exception handler: the refusal for `exc`, as the envelope."""
    refusal = refusal_for(exc)
    if refusal is INTERNAL:
        log.error(
            "unhandled error", exc_info=exc, extra={"request_id": request_id_of(request.scope)}
        )
    return Response(
        render(refusal, request_id_of(request.scope)),
        status_code=refusal.status,
        media_type=MediaType.JSON,
        headers=dict(refusal.headers),
    )


def refusal_for(exc: Exception) -> Refusal:
    """The table: what a refusal answers, whichever layer of the edge met it."""
    refusal = refusal_of(exc)
    if refusal is not None:
        return refusal
    if isinstance(exc, NotAuthenticated):
        return UNAUTHENTICATED
    if isinstance(exc, HTTPException):
        return _framework(exc)
    return INTERNAL


def _framework(exc: HTTPException) -> Refusal:
    if isinstance(exc, ValidationException):
        first = (exc.extra or [{}])[0] if isinstance(exc.extra, list) else {}
        reason = str(first.get("message", exc.detail))
        return validation_refusal(field_from(reason, first.get("key")), reason)
    if isinstance(exc, MethodNotAllowedException):
        allow = (exc.headers or {}).get("allow", "")
        return Refusal(
            405,
            "method_not_allowed",
            "This route does not allow that method.",
            headers=(("Allow", allow),),
        )
    if isinstance(exc, NotFoundException):
        return Refusal(404, "route_not_found", "No such route.")
    if exc.status_code == 413:
        return Refusal(413, "payload_too_large", "The request body is too large.")
    if exc.status_code == 400 and "JSON" in str(exc.detail):
        return INVALID_JSON
    if exc.status_code >= 500:
        return INTERNAL
    return Refusal(exc.status_code, "bad_request", str(exc.detail))


INVALID_JSON = Refusal(400, "invalid_json", "The request body is not valid JSON.")
