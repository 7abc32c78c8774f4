"""Row <-> entity conversions for webhooks. Secrets are sealed with the TokenCipher on the
way in and opened on the way out; no plaintext secret is ever stored."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import RowMapping

from application.ports.token_cipher import TokenCipher
from domain.webhooks.delivery import Delivery, DeliveryStatus
from domain.webhooks.endpoint import DisabledReason, WebhookEndpoint
from domain.webhooks.events import EventType


def endpoint_to_row(endpoint: WebhookEndpoint, cipher: TokenCipher) -> dict[str, Any]:
    previous = endpoint.previous_secret
    return {
        "id": endpoint.id,
        "workspace_id": endpoint.workspace_id,
        "url": endpoint.url,
        "events": json.dumps(list(endpoint.events)),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason.value if endpoint.disabled_reason else None,
        "secret_ciphertext": cipher.encrypt(endpoint.secret.encode()),
        "previous_secret_ciphertext": cipher.encrypt(previous.encode()) if previous else None,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
        "failing_since": endpoint.failing_since,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }


def endpoint_from_row(row: RowMapping, cipher: TokenCipher) -> WebhookEndpoint:
    previous = row["previous_secret_ciphertext"]
    reason = row["disabled_reason"]
    return WebhookEndpoint(
        id=row["id"],
        workspace_id=row["workspace_id"],
        url=row["url"],
        events=tuple(json.loads(row["events"])),
        description=row["description"],
        enabled=bool(row["enabled"]),
        disabled_reason=DisabledReason(reason) if reason else None,
        secret=cipher.decrypt(row["secret_ciphertext"]).decode(),
        previous_secret=cipher.decrypt(previous).decode() if previous else None,
        previous_secret_expires_at=row["previous_secret_expires_at"],
        failing_since=row["failing_since"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def delivery_to_row(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "workspace_id": delivery.workspace_id,
        "endpoint_id": delivery.endpoint_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type.value,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "next_attempt_at": delivery.next_attempt_at,
        "lease_expires_at": delivery.lease_expires_at,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
        "updated_at": delivery.updated_at,
    }


def delivery_from_row(row: RowMapping) -> Delivery:
    return Delivery(
        id=row["id"],
        workspace_id=row["workspace_id"],
        endpoint_id=row["endpoint_id"],
        event_id=row["event_id"],
        event_type=EventType(row["event_type"]),
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
        next_attempt_at=row["next_attempt_at"],
        lease_expires_at=row["lease_expires_at"],
        created_at=row["created_at"],
        delivered_at=row["delivered_at"],
        updated_at=row["updated_at"],
    )
