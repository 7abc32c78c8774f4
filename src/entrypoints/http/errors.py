"""The one error table: every refusal, ours or the framework's, becomes the envelope
`{"error", "code", "request_id", "details"?}` with the status the contract names."""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)

from application.errors import (
    DatabaseUnavailable,
    DuplicateIntegration,
    IntegrationNotFound,
    InvalidCursor,
    InvalidPostTargets,
    NotFound,
    PlatformNotConfigured,
    PlatformUnavailable,
    TooManyAttempts,
)
from application.ports.bluesky import AppPasswordRequired, InvalidCredentials
from application.ports.platforms import PlatformRateLimited, PlatformUnreachable
from domain.errors import (
    IntegrationDisconnected,
    InvalidPostInput,
    NoSlotAvailable,
    PostNotCancelable,
    PostNotEditable,
)
from entrypoints.http.schemas import ErrorBody

log = logging.getLogger("openpost.http")

NOT_FOUND_MESSAGE = "No resource with that ID in this workspace."


class ApiError(Exception):
    """A refusal decided at the edge (bad id, bad field) with its own status and code."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def validation_error(field: str, reason: str) -> ApiError:
    return ApiError(
        422,
        "validation_error",
        f"Invalid value for {field}: {reason}",
        {"field": field, "reason": reason},
    )


@dataclass(frozen=True)
class Rule:
    status: int
    code: str
    message: str


TABLE: dict[type[Exception], Rule] = {
    NotFound: Rule(404, "not_found", NOT_FOUND_MESSAGE),
    PlatformUnavailable: Rule(
        422,
        "platform_unavailable",
        "This platform is pending platform approval and cannot be connected yet.",
    ),
    PlatformNotConfigured: Rule(
        503,
        "platform_not_configured",
        "This platform is not configured on this server (no app credentials).",
    ),
    NoSlotAvailable: Rule(
        409, "no_slot_available", "No free slot in the next 7 days for this integration."
    ),
    IntegrationDisconnected: Rule(
        409,
        "integration_disconnected",
        "This integration is disconnected; connect the account again first.",
    ),
    DuplicateIntegration: Rule(
        409, "integration_conflict", "This account was connected by a concurrent request."
    ),
    DatabaseUnavailable: Rule(503, "database_unavailable", "The database is unavailable."),
    PlatformUnreachable: Rule(
        502, "platform_unavailable_upstream", "The platform failed or did not answer in time."
    ),
    PostNotCancelable: Rule(
        409,
        "post_not_cancelable",
        "Only a draft or scheduled post can be canceled; this one is publishing or finished.",
    ),
    PostNotEditable: Rule(
        409,
        "post_not_editable",
        "Only a draft or scheduled post can be edited; this one is publishing or finished.",
    ),
    IntegrationNotFound: Rule(
        422, "integration_not_found", "An integration in this post is not in this workspace."
    ),
    InvalidCredentials: Rule(
        422, "invalid_credentials", "Bluesky did not accept this identifier and password."
    ),
    AppPasswordRequired: Rule(
        422,
        "app_password_required",
        "This account asks for a sign-in code: connect it with an app password instead.",
    ),
}


def _request_id(request: Request[Any, Any, Any]) -> str | None:
    value = request.scope.get("openpost.request_id")
    return str(value) if value else None


def envelope(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    message: str,
    details: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[ErrorBody]:
    body = ErrorBody(error=message, code=code, request_id=_request_id(request), details=details)
    return Response(body, status_code=status, headers=headers)


def _field_from(message: str, key: str | None) -> str:
    """Where the framework's message names a field more precisely than its key, use it."""
    at = re.search(r"at `\$\.?([^`]*)`", message)
    if at and at.group(1):
        return at.group(1)
    named = re.search(r"field `([^`]+)`", message)
    if named:
        return named.group(1)
    return key if key and key != "data" else "body"


def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    if isinstance(exc, ApiError):
        return envelope(request, exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, InvalidCursor):
        return envelope(
            request,
            422,
            "validation_error",
            "starting_after names no item of this list.",
            {"field": "starting_after", "reason": "unknown id"},
        )
    if isinstance(exc, PlatformRateLimited):
        retry = _retry_after(exc.reset_at)
        return envelope(
            request,
            429,
            "platform_rate_limited",
            "The platform is rate limiting these requests; retry later.",
            headers={"Retry-After": str(retry)},
        )
    if isinstance(exc, TooManyAttempts):
        return envelope(
            request,
            429,
            "too_many_attempts",
            "Too many failed logins for this account or workspace; retry later.",
            headers={"Retry-After": str(exc.retry_after_s)},
        )
    if isinstance(exc, InvalidPostInput | InvalidPostTargets):
        code = getattr(exc, "code", "validation_error")
        return envelope(request, 422, code, str(exc), exc.details)
    for kind in type(exc).__mro__:
        rule = TABLE.get(kind)
        if rule is not None:
            details = getattr(exc, "details", None)
            return envelope(request, rule.status, rule.code, rule.message, details)
    if isinstance(exc, HTTPException):
        return _framework(request, exc)
    log.exception("unhandled error", extra={"request_id": _request_id(request)})
    return envelope(request, 500, "internal_error", "Something went wrong on our side.")


def _framework(request: Request[Any, Any, Any], exc: HTTPException) -> Response[ErrorBody]:
    if isinstance(exc, ValidationException):
        first = (exc.extra or [{}])[0] if isinstance(exc.extra, list) else {}
        reason = str(first.get("message", exc.detail))
        field = _field_from(reason, first.get("key"))
        return envelope(
            request,
            422,
            "validation_error",
            f"Invalid value for {field}: {reason}",
            {"field": field, "reason": reason},
        )
    if isinstance(exc, MethodNotAllowedException):
        return envelope(
            request,
            405,
            "method_not_allowed",
            "This route does not allow that method.",
            headers={"Allow": (exc.headers or {}).get("allow", "")},
        )
    if isinstance(exc, NotFoundException):
        return envelope(request, 404, "route_not_found", "No such route.")
    if exc.status_code == 413:
        return envelope(request, 413, "payload_too_large", "The request body is too large.")
    if exc.status_code == 429:
        return envelope(
            request,
            429,
            "rate_limited",
            "Too many requests; slow down.",
            headers=dict(exc.headers or {}),
        )
    if exc.status_code == 400 and "JSON" in str(exc.detail):
        return envelope(request, 400, "invalid_json", "The request body is not valid JSON.")
    if exc.status_code >= 500:
        log.error("framework error %s", exc.status_code, extra={"request_id": _request_id(request)})
        return envelope(request, 500, "internal_error", "Something went wrong on our side.")
    return envelope(request, exc.status_code, "bad_request", str(exc.detail))


def _retry_after(reset_at: datetime | None) -> int:
    if reset_at is None:
        return 60
    return max(1, math.ceil((reset_at - datetime.now(UTC)).total_seconds()))
