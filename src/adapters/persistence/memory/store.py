"""The state behind the in-memory adapters: plain dicts guarded by one lock, so memory
units of work are serializable like a real database's."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from application.ports.credentials import StoredCredentials
from application.ports.idempotency import IdempotencyRecord
from application.ports.oauth_states import OAuthState
from application.ports.queues import StoredQueue
from domain.integration import Integration
from domain.media import Media
from domain.post import Post
from domain.webhooks.delivery import Delivery
from domain.webhooks.endpoint import WebhookEndpoint
from domain.webhooks.events import WebhookEvent
from domain.workspace import ApiKey, Workspace


@dataclass
class MemoryStore:
    workspaces: dict[UUID, Workspace] = field(default_factory=dict)
    api_keys: dict[UUID, ApiKey] = field(default_factory=dict)
    integrations: dict[UUID, Integration] = field(default_factory=dict)
    oauth_states: dict[str, OAuthState] = field(default_factory=dict)
    credentials: dict[UUID, StoredCredentials] = field(default_factory=dict)
    posts: dict[UUID, Post] = field(default_factory=dict)
    media: dict[UUID, Media] = field(default_factory=dict)
    idempotency: dict[tuple[UUID, str], IdempotencyRecord] = field(default_factory=dict)
    queues: dict[UUID, StoredQueue] = field(default_factory=dict)
    # Extra (integration_id, scheduled_at, status) busy rows that tests seed directly.
    targets: list[tuple[UUID, datetime, str]] = field(default_factory=list)
    # workspace id -> revision of its integrations (see `IntegrationRevisions`)
    integration_revisions: dict[UUID, int] = field(default_factory=dict)
    webhook_endpoints: dict[UUID, WebhookEndpoint] = field(default_factory=dict)
    webhook_events: dict[str, WebhookEvent] = field(default_factory=dict)
    webhook_deliveries: dict[UUID, Delivery] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Units of work committed (see `MemoryPostRevisions`); not a table, never rolled back.
    commits: int = 0

    def snapshot(self) -> dict[str, Any]:
        return {name: copy.deepcopy(getattr(self, name)) for name in _TABLES}

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Copies again, so the snapshot stays intact for a later rollback to the same point."""
        for name, value in snapshot.items():
            setattr(self, name, copy.deepcopy(value))


_TABLES = (
    "workspaces",
    "api_keys",
    "integrations",
    "oauth_states",
    "credentials",
    "posts",
    "media",
    "idempotency",
    "queues",
    "targets",
    "integration_revisions",
    "webhook_endpoints",
    "webhook_events",
    "webhook_deliveries",
)
