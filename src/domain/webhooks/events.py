"""The event types and the event itself: one JSON body, fixed when the event is recorded,
so that every delivery and every retry sends the very same bytes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID


class EventType(StrEnum):
    INTEGRATION_CONNECTED = "integration.connected"
    INTEGRATION_NEEDS_REFRESH = "integration.needs_refresh"
    INTEGRATION_DISCONNECTED = "integration.disconnected"
    POST_PUBLISHED = "post.published"
    POST_FAILED = "post.failed"
    WEBHOOK_TEST = "webhook.test"


# What an endpoint may subscribe to. `webhook.test` goes only to the endpoint being tested.
SUBSCRIBABLE = frozenset(EventType) - {EventType.WEBHOOK_TEST}
ALL_EVENTS = "*"


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class EventDraft:
    """A change worth reporting, as the use case that made it describes it. The outbox
    gives it an id and writes it in the use case's own transaction."""

    workspace_id: UUID
    type: EventType
    data: Mapping[str, Any]
    occurred_at: datetime
    # Only this endpoint receives it (a test event); otherwise every subscribed one.
    endpoint_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    id: str
    workspace_id: UUID
    type: EventType
    created_at: datetime
    body: bytes = field(repr=False)

    @classmethod
    def from_draft(cls, event_id: str, draft: EventDraft) -> WebhookEvent:
        """The payload `{"id", "type", "event", "timestamp", "data"}`; `event` repeats
        `type` (OpenPost's own name for it)."""
        payload = {
            "id": event_id,
            "type": draft.type.value,
            "event": draft.type.value,
            "timestamp": rfc3339(draft.occurred_at),
            "data": dict(draft.data),
        }
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        return cls(event_id, draft.workspace_id, draft.type, draft.occurred_at, body)


def new_event_id(uuid: UUID) -> str:
    return f"evt_{uuid.hex}"
