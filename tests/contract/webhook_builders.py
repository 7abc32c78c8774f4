"""Webhook entities and helpers for contract tests."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID, uuid4

from sqlalchemy import func, select

from adapters.persistence.sqlalchemy.tables import webhook_events
from domain.webhooks.endpoint import WebhookEndpoint
from domain.webhooks.events import EventDraft, EventType
from domain.webhooks.signing import new_secret
from domain.webhooks.urls import UrlPolicy
from tests.contract.builders import T0
from tests.contract.conftest import Backend, MemoryBackend, SqlBackend


def an_endpoint(
    workspace_id: UUID, events: Sequence[str] = ("*",), *, url: str = "https://hooks.example.com/"
) -> WebhookEndpoint:
    return WebhookEndpoint.create(
        id=uuid4(),
        workspace_id=workspace_id,
        url=url,
        events=events,
        description=None,
        secret=new_secret(),
        policy=UrlPolicy(),
        now=T0,
    )


def a_draft(
    workspace_id: UUID, kind: EventType = EventType.POST_FAILED, endpoint_id: UUID | None = None
) -> EventDraft:
    return EventDraft(workspace_id, kind, {"post_id": "p"}, T0, endpoint_id)


async def count_events(backend: Backend) -> int:
    """Behind the ports: how many event rows the store holds."""
    if isinstance(backend, MemoryBackend):
        return len(backend.store.webhook_events)
    assert isinstance(backend, SqlBackend)
    async with backend.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(webhook_events)) or 0)
