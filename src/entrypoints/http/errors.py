"""The one error table: every refusal, ours or the framework's, becomes the envelope
`{"error", "code", "request_id", "details"?}` with the status the contract names."""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)

from application.errors import (
    DatabaseUnavailable,
    DuplicateIntegration,
    IdempotencyKeyInUse,
    IntegrationNotFound,
    InvalidCursor,
    InvalidPostTargets,
    InvalidSlotCount,
    MediaInUse,
    NotFound,
    PlatformNotConfigured,
    PlatformUnavailable,
    QueueNotSet,
    TooManyAttempts,
)
from application.ports.bluesky import AppPasswordRequired, InvalidCredentials
from application.ports.media_inspector import InvalidMedia, MediaRefused, UnsupportedMediaType
from application.ports.media_store import MediaObjectMissing, MediaStoreError
from application.ports.platforms import PlatformRateLimited, PlatformUnreachable
from application.ports.url_fetcher import FetchError, FetchFailed, FetchTooLarge, UrlNotAllowed
from application.read_media_content import RangeNotSatisfiable
from domain.errors import (
    IntegrationDisconnected,
    InvalidField,
    InvalidPostInput,
    MediaScopeMissing,
    MediaTooLarge,
    NoSlotAvailable,
    PostNotCancelable,
    PostNotEditable,
)
from domain.webhooks.errors import (
    DeliveryAlreadySucceeded,
    InvalidWebhookInput,
    WebhookEndpointDisabled,
)
from entrypoints.http.envelope import Refusal, render, request_id_of

log = logging.getLogger("openpost.http")

NOT_FOUND_MESSAGE = "No resource with that ID in this workspace."


class ApiError(Exception):
    """A refusal decided at the edge (bad id, bad field, bad JSON), raised as it is."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def validation_refusal(field: str, reason: str) -> Refusal:
    return Refusal(
        422,
        "validation_error",
        f"Invalid value for {field}: {reason}",
        {"field": field, "reason": reason},
    )


def validation_error(field: str, reason: str) -> ApiError:
    return ApiError(validation_refusal(field, reason))


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
    IdempotencyKeyInUse: Rule(
        409,
        "idempotency_key_in_use",
        "A request with this Idempotency-Key is still being processed.",
    ),
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
    QueueNotSet: Rule(
        404,
        "queue_not_set",
        "This integration has no queue; its slots follow the default rule.",
    ),
    MediaScopeMissing: Rule(
        422,
        "integration_missing_scope",
        "This account was connected without permission to upload media; connect it again.",
    ),
    IntegrationNotFound: Rule(
        422, "integration_not_found", "An integration in this post is not in this workspace."
    ),
    InvalidCredentials: Rule(
        422, "invalid_credentials", "Bluesky did not accept this identifier and password."
    ),
    MediaInUse: Rule(
        409, "media_in_use", "A draft, scheduled or publishing post uses this media."
    ),
    UnsupportedMediaType: Rule(
        415, "unsupported_media_type", "Send a JPEG, PNG, WebP, GIF, MP4 or MOV file."
    ),
    InvalidMedia: Rule(422, "invalid_media", "The file does not decode as the type it claims."),
    MediaTooLarge: Rule(413, "payload_too_large", "The file is over the size cap for its kind."),
    FetchTooLarge: Rule(413, "payload_too_large", "The file at the URL is too large."),
    UrlNotAllowed: Rule(422, "url_not_allowed", "That URL cannot be fetched by this server."),
    FetchFailed: Rule(422, "url_fetch_failed", "Fetching the URL failed."),
    MediaObjectMissing: Rule(404, "not_found", NOT_FOUND_MESSAGE),
    MediaStoreError: Rule(503, "media_store_unavailable", "The media store is unavailable."),
    AppPasswordRequired: Rule(
        422,
        "app_password_required",
        "This account asks for a sign-in code: connect it with an app password instead.",
    ),
    DeliveryAlreadySucceeded: Rule(
        409,
        "delivery_already_succeeded",
        "This delivery succeeded; it is never sent again.",
    ),
    WebhookEndpointDisabled: Rule(
        409,
        "webhook_endpoint_disabled",
        "This endpoint is disabled; enable it (PATCH enabled: true) first.",
    ),
}


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
    if isinstance(exc, ApiError):
        return exc.refusal
    if isinstance(exc, NotAuthenticated):
        return UNAUTHENTICATED
    if isinstance(exc, InvalidCursor):
        return Refusal(
            422,
            "validation_error",
            "starting_after names no item of this list.",
            {"field": "starting_after", "reason": "unknown id"},
        )
    if isinstance(exc, PlatformRateLimited):
        return Refusal(
            429,
            "platform_rate_limited",
            "The platform is rate limiting these requests; retry later.",
            headers=(("Retry-After", str(_retry_after(exc.reset_at))),),
        )
    if isinstance(exc, TooManyAttempts):
        return Refusal(
            429,
            "too_many_attempts",
            "Too many failed logins for this account or workspace; retry later.",
            headers=(("Retry-After", str(exc.retry_after_s)),),
        )
    if isinstance(exc, RangeNotSatisfiable):
        message = "The range starts past the end of the media."
        headers = (("Content-Range", f"bytes */{exc.size}"),)
        return Refusal(416, "range_not_satisfiable", message, headers=headers)
    if isinstance(exc, InvalidPostInput | InvalidPostTargets | InvalidField | InvalidSlotCount | InvalidWebhookInput):
        return Refusal(422, getattr(exc, "code", "validation_error"), str(exc), exc.details)
    for kind in type(exc).__mro__:
        rule = TABLE.get(kind)
        if rule is not None:
            details = getattr(exc, "details", None)
            if isinstance(exc, MediaRefused | FetchError | MediaTooLarge):
                details = {"reason": str(exc)}
            return Refusal(rule.status, rule.code, rule.message, details)
    if isinstance(exc, HTTPException):
        return _framework(exc)
    return INTERNAL


def _field_from(message: str, key: str | None) -> str:
    """The field's whole path: where the message says (`at $.a.b`) or the framework's key,
    then the field it names (`unknown field x`, `missing required field x`) below that.
    The body itself (Litestar's `data`) is `body`."""
    at = re.search(r"at `\$\.?([^`]*)`", message)
    path = at.group(1) if at else (key if key and key != "data" else "")
    named = re.search(r"field `([^`]+)`", message)
    if named:
        path = f"{path}.{named.group(1)}" if path else named.group(1)
    return path or "body"


def _framework(exc: HTTPException) -> Refusal:
    if isinstance(exc, ValidationException):
        first = (exc.extra or [{}])[0] if isinstance(exc.extra, list) else {}
        reason = str(first.get("message", exc.detail))
        return validation_refusal(_field_from(reason, first.get("key")), reason)
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


def _retry_after(reset_at: datetime | None) -> int:
    if reset_at is None:
        return 60
    return max(1, math.ceil((reset_at - datetime.now(UTC)).total_seconds()))
