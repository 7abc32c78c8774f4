"""The wire format of webhook endpoints and deliveries. The response Structs carry the
contract's names (`WebhookEndpoint`, `WebhookDelivery`): the OpenAPI document's schemas are
these Structs under these names, so a generated client reads the contract's words."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from application.webhooks.results import EndpointWithSecret
from domain.webhooks import endpoint as domain
from domain.webhooks.delivery import Delivery
from entrypoints.http.schemas import Id, Timestamp, utc_seconds

Url = Annotated[
    str,
    msgspec.Meta(
        max_length=4096,
        description="Where events are POSTed; https.",
        examples=["https://example.com/hooks/openpost"],
    ),
]
Events = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=64)]],
    msgspec.Meta(
        max_length=20,
        description='Event types to receive, or ["*"] for all of them.',
        examples=[["post.published", "post.failed"], ["*"]],
    ),
]
Description = Annotated[str, msgspec.Meta(max_length=4096, examples=["Our CRM"])]


EventId = Annotated[str, msgspec.Meta(examples=["evt_0195f1d27b9c7a108c1e2f4b6d8e9a01"])]
EventType = Annotated[str, msgspec.Meta(examples=["post.published"])]
Secret = Annotated[
    str,
    msgspec.Meta(
        description="`whsec_` + base64 of 32 random bytes; shown in this answer only.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    ),
]
DisabledReason = Annotated[
    Literal["gone", "failing", "disabled_by_user"] | None,
    msgspec.Meta(description="Why `enabled` is false: a 410, 5 days failing, or a PATCH."),
]


class NewWebhookEndpoint(msgspec.Struct, forbid_unknown_fields=True):
    url: Url
    events: Events
    description: Description | None = None


class WebhookEndpointChanges(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields given change; `description: null` clears it."""

    url: Url | msgspec.UnsetType = msgspec.UNSET
    events: Events | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType | None = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET


class WebhookEndpoint(msgspec.Struct, kw_only=True):
    """Where a workspace's events are sent (section 8); the secret is never shown again."""

    id: Id
    url: Url
    events: Events
    description: Description | None
    enabled: bool
    disabled_reason: DisabledReason
    created_at: Timestamp
    updated_at: Timestamp


class WebhookEndpointWithSecret(WebhookEndpoint, kw_only=True):
    """The endpoint with its `secret`: only when it is created or its secret rotated."""

    secret: Secret


class WebhookEndpointList(msgspec.Struct):
    data: list[WebhookEndpoint]
    has_more: bool


class WebhookDelivery(msgspec.Struct):
    """One event's delivery to one endpoint, with its attempts so far."""

    id: Id
    event_id: EventId
    event_type: EventType
    status: Literal["pending", "succeeded", "failed"]
    attempts: Annotated[int, msgspec.Meta(examples=[1])]
    last_status_code: Annotated[int | None, msgspec.Meta(examples=[204])]
    last_error: Annotated[str | None, msgspec.Meta(examples=["no complete answer within 10 s"])]
    next_attempt_at: Timestamp | None
    created_at: Timestamp
    delivered_at: Timestamp | None


class WebhookDeliveryList(msgspec.Struct):
    data: list[WebhookDelivery]
    has_more: bool


class QueuedEvent(msgspec.Struct):
    """An event queued for delivery."""

    event_id: EventId
    event_type: Literal["webhook.test"] = "webhook.test"


def endpoint_out(endpoint: domain.WebhookEndpoint) -> WebhookEndpoint:
    reason = endpoint.disabled_reason
    return WebhookEndpoint(
        id=endpoint.id,
        url=endpoint.url,
        events=list(endpoint.events),
        description=endpoint.description,
        enabled=endpoint.enabled,
        disabled_reason=reason.value if reason else None,
        created_at=utc_seconds(endpoint.created_at),
        updated_at=utc_seconds(endpoint.updated_at),
    )


def endpoint_with_secret_out(made: EndpointWithSecret) -> WebhookEndpointWithSecret:
    shown = endpoint_out(made.endpoint)
    fields = {name: getattr(shown, name) for name in shown.__struct_fields__}
    return WebhookEndpointWithSecret(**fields, secret=made.secret)


def delivery_out(delivery: Delivery) -> WebhookDelivery:
    next_attempt = delivery.next_attempt_at if delivery.status.value == "pending" else None
    return WebhookDelivery(
        id=delivery.id,
        event_id=delivery.event_id,
        event_type=delivery.event_type.value,
        status=delivery.status.value,
        attempts=delivery.attempts,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        next_attempt_at=utc_seconds(next_attempt) if next_attempt else None,
        created_at=utc_seconds(delivery.created_at),
        delivered_at=utc_seconds(delivery.delivered_at) if delivery.delivered_at else None,
    )
