"""The one error table: which refusal (status, `code`, sentence) each domain, application
and port error is, for every entrypoint alike.

The HTTP edge writes a refusal as the envelope (`http/envelope.py`); the MCP server returns
it as a tool error with the same `code`. What only a web framework can get wrong (routing,
body parsing) is the HTTP edge's own part of the table (`http/errors.py`)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

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

Headers = Sequence[tuple[str, str]]

NOT_FOUND_MESSAGE = "No resource with that ID in this workspace."


@dataclass(frozen=True, slots=True)
class Refusal:
    """An error answer before it is written: status, machine-readable code, message."""

    status: int
    code: str
    message: str
    details: dict[str, str] | None = None
    headers: Headers = ()
    with_request_id: bool = True


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


def field_from(message: str, key: str | None = None) -> str:
    """The field a validator's message (msgspec's wording, which Litestar passes on) is
    about, as its whole path: where the message says (`at $.a.b`) or the caller's key, then
    the field it names (`unknown field x`, `missing required field x`) below that. The
    body itself (Litestar's `data`) is `body`."""
    at = re.search(r"at `\$\.?([^`]*)`", message)
    path = at.group(1) if at else (key if key and key != "data" else "")
    named = re.search(r"field `([^`]+)`", message)
    if named:
        path = f"{path}.{named.group(1)}" if path else named.group(1)
    return path or "body"


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
    MediaInUse: Rule(409, "media_in_use", "A draft, scheduled or publishing post uses this media."),
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

_FIELD_ERRORS = (
    InvalidPostInput | InvalidPostTargets | InvalidField | InvalidSlotCount | InvalidWebhookInput
)


def refusal_of(exc: Exception) -> Refusal | None:
    """The refusal `exc` stands for, or None when it is no refusal of the table's (a
    framework's error, which the entrypoint knows how to answer, or a bug)."""
    if isinstance(exc, ApiError):
        return exc.refusal
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
    if isinstance(exc, _FIELD_ERRORS):
        return Refusal(422, getattr(exc, "code", "validation_error"), str(exc), exc.details)
    for kind in type(exc).__mro__:
        rule = TABLE.get(kind)
        if rule is not None:
            details = getattr(exc, "details", None)
            if isinstance(exc, MediaRefused | FetchError | MediaTooLarge):
                details = {"reason": str(exc)}
            return Refusal(rule.status, rule.code, rule.message, details)
    return None


def _retry_after(reset_at: datetime | None) -> int:
    if reset_at is None:
        return 60
    return max(1, math.ceil((reset_at - datetime.now(UTC)).total_seconds()))
