"""The transactional outbox in SQL: the event row and its delivery rows are written on the
unit of work's own connection, inside its transaction."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, bindparam, cast, column, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.ids import Uuid7Generator
from adapters.persistence.sqlalchemy.pg_driver import PgStatement, is_asyncpg
from adapters.persistence.sqlalchemy.tables import (
    webhook_deliveries,
    webhook_endpoints,
    webhook_events,
)
from adapters.persistence.sqlalchemy.webhook_mappers import delivery_to_row
from application.ports.ids import IdGenerator
from application.ports.outbox import Outbox
from domain.webhooks.delivery import Delivery
from domain.webhooks.events import ALL_EVENTS, EventDraft, WebhookEvent, new_event_id

_e = webhook_endpoints.c
_ENDPOINTS = select(_e.id, _e.events).where(_e.workspace_id == bindparam("workspace_id"))
_ENABLED = _ENDPOINTS.where(_e.enabled.is_(True))
_NAMED = _ENDPOINTS.where(_e.id == bindparam("endpoint_id"))
_EVENT_KEYS = ("id", "workspace_id", "type", "body", "created_at")


def _events_at_once() -> Any:
    """PostgreSQL: the events in one statement, each column's values one array parameter
    (`a_` and the column's name) and the rows `unnest` of them."""
    c = webhook_events.c
    given = (
        func.unnest(*(cast(bindparam(f"a_{k}", type_=ARRAY(c[k].type)), ARRAY(c[k].type))
                      for k in _EVENT_KEYS))
        .table_valued(*(column(k, c[k].type) for k in _EVENT_KEYS))
        .render_derived(name="given")
    )  # fmt: skip
    return insert(webhook_events).from_select(list(_EVENT_KEYS), select(given))


# The same reads, and the events' insert, on asyncpg directly (pg_driver.py).
_ENABLED_ON_ASYNCPG, _NAMED_ON_ASYNCPG = PgStatement(_ENABLED), PgStatement(_NAMED)
_EVENTS_ON_ASYNCPG = PgStatement(_events_at_once())


class SqlAlchemyOutbox(Outbox):
    def __init__(self, conn: AsyncConnection, ids: IdGenerator | None = None) -> None:
        self.conn = conn
        self.ids = ids or Uuid7Generator()

    async def record(self, *drafts: EventDraft) -> list[str]:
        """All the drafts' events in one statement and their deliveries in another; the
        endpoints are read once per workspace (or named endpoint) among them."""
        events: list[WebhookEvent] = []
        deliveries: list[dict[str, Any]] = []
        endpoints: dict[tuple[UUID, UUID | None], list[tuple[UUID, set[str]]]] = {}
        for draft in drafts:
            event = WebhookEvent.from_draft(new_event_id(self.ids.new_id()), draft)
            events.append(event)
            key = (draft.workspace_id, draft.endpoint_id)
            if key not in endpoints:
                endpoints[key] = await self._endpoints(draft)
            deliveries.extend(
                delivery_to_row(
                    Delivery.new(
                        id=self.ids.new_id(),
                        workspace_id=draft.workspace_id,
                        endpoint_id=endpoint_id,
                        event_id=event.id,
                        event_type=event.type,
                        now=draft.occurred_at,
                    )
                )
                for endpoint_id, wants in endpoints[key]
                if draft.endpoint_id is not None or {ALL_EVENTS, draft.type.value} & wants
            )
        if events and is_asyncpg(self.conn):
            rows = [_event_row(e) for e in events]
            columns = {f"a_{k}": [row[k] for row in rows] for k in _EVENT_KEYS}
            await _EVENTS_ON_ASYNCPG.execute(self.conn, columns)
        elif events:
            await self.conn.execute(insert(webhook_events), [_event_row(e) for e in events])
        if deliveries:
            await self.conn.execute(insert(webhook_deliveries), deliveries)
        return [event.id for event in events]

    async def _endpoints(self, draft: EventDraft) -> list[tuple[UUID, set[str]]]:
        """The endpoints a draft may go to, each with the events it subscribes to: the one
        it names (whatever its state), or the workspace's enabled ones."""
        params: dict[str, Any] = {"workspace_id": draft.workspace_id}
        if draft.endpoint_id is not None:
            params["endpoint_id"] = draft.endpoint_id
        if is_asyncpg(self.conn):
            on_asyncpg = _ENABLED_ON_ASYNCPG if draft.endpoint_id is None else _NAMED_ON_ASYNCPG
            found = await on_asyncpg.rows(self.conn, params)
            return [(row["id"], set(json.loads(row["events"]))) for row in found]
        query = _ENABLED if draft.endpoint_id is None else _NAMED
        return [(row[0], set(json.loads(row[1]))) for row in await self.conn.execute(query, params)]


def _event_row(event: WebhookEvent) -> dict[str, object]:
    return {
        "id": event.id,
        "workspace_id": event.workspace_id,
        "type": event.type.value,
        "body": event.body,
        "created_at": event.created_at,
    }
