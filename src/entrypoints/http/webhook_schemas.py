"""The wire format of webhook endpoints and deliveries."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from application.webhooks.results import EndpointWithSecret
from domain.webhooks.delivery import Delivery
from domain.webhooks.endpoint import WebhookEndpoint
from entrypoints.http.schemas import Timestamp, utc_seconds

Url = Annotated[str, msgspec.Meta(max_length=4096, description="Where events are POSTed; https.")]
Events = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=64)]],
    msgspec.Meta(
        max_length=20,
        description='Event types to receive, or ["*"] for all of them.',
        examples=[["post.published", "post.failed"], ["*"]],
    ),
]
Description = Annotated[str, msgspec.Meta(max_length=4096)]


class CreateWebhookEndpointIn(msgspec.Struct, forbid_unknown_fields=True):
    url: Url
    events: Events
    description: Description | None = None


class UpdateWebhookEndpointIn(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields given change; `description: null` clears it."""

    url: Url | msgspec.UnsetType = msgspec.UNSET
    events: Events | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType | None = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET


class WebhookEndpointOut(msgspec.Struct, kw_only=True):
    id: str
    url: str
    events: list[str]
    description: str | None
    enabled: bool
    disabled_reason: Literal["gone", "failing", "disabled_by_user"] | None
    created_at: Timestamp
    updated_at: Timestamp


class WebhookEndpointWithSecretOut(WebhookEndpointOut, kw_only=True):
    """The endpoint with its `secret`: only when it is created or its secret rotated."""

    secret: str


class WebhookEndpointList(msgspec.Struct):
    data: list[WebhookEndpointOut]
    has_more: bool


class WebhookDeliveryOut(msgspec.Struct):
    id: str
    event_id: str
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: Timestamp | None
    created_at: Timestamp
    delivered_at: Timestamp | None


class WebhookDeliveryList(msgspec.Struct):
    data: list[WebhookDeliveryOut]
    has_more: bool


class QueuedEventOut(msgspec.Struct):
    event_id: str
    event_type: Literal["webhook.test"] = "webhook.test"


def endpoint_out(endpoint: WebhookEndpoint) -> WebhookEndpointOut:
    reason = endpoint.disabled_reason
    return WebhookEndpointOut(
        id=str(endpoint.id),
        url=endpoint.url,
        events=list(endpoint.events),
        description=endpoint.description,
        enabled=endpoint.enabled,
        disabled_reason=reason.value if reason else None,
        created_at=utc_seconds(endpoint.created_at),
        updated_at=utc_seconds(endpoint.updated_at),
    )


def endpoint_with_secret_out(made: EndpointWithSecret) -> WebhookEndpointWithSecretOut:
    shown = endpoint_out(made.endpoint)
    fields = {name: getattr(shown, name) for name in shown.__struct_fields__}
    return WebhookEndpointWithSecretOut(**fields, secret=made.secret)


def delivery_out(delivery: Delivery) -> WebhookDeliveryOut:
    next_attempt = delivery.next_attempt_at if delivery.status.value == "pending" else None
    return WebhookDeliveryOut(
        id=str(delivery.id),
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
