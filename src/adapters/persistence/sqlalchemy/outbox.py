"""The transactional outbox in SQL: the event row and its delivery rows are written on the
unit of work's own connection, inside its transaction."""

from __future__ import annotations

import json
from uuid import UUID

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.ids import Uuid7Generator
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


class SqlAlchemyOutbox(Outbox):
    def __init__(self, conn: AsyncConnection, ids: IdGenerator | None = None) -> None:
        self.conn = conn
        self.ids = ids or Uuid7Generator()

    async def record(self, *drafts: EventDraft) -> list[str]:
        ids = []
        for draft in drafts:
            event = WebhookEvent.from_draft(new_event_id(self.ids.new_id()), draft)
            ids.append(event.id)
            await self.conn.execute(
                insert(webhook_events).values(
                    id=event.id,
                    workspace_id=event.workspace_id,
                    type=event.type.value,
                    body=event.body,
                    created_at=event.created_at,
                )
            )
            rows = [
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
                for endpoint_id in await self._recipients(draft)
            ]
            if rows:
                await self.conn.execute(insert(webhook_deliveries), rows)
        return ids

    async def _recipients(self, draft: EventDraft) -> list[UUID]:
        query = select(_e.id, _e.events).where(_e.workspace_id == draft.workspace_id)
        if draft.endpoint_id is not None:
            query = query.where(_e.id == draft.endpoint_id)
            return [row[0] for row in await self.conn.execute(query)]
        query = query.where(_e.enabled.is_(True))
        wanted = draft.type.value
        return [
            row[0]
            for row in await self.conn.execute(query)
            if {ALL_EVENTS, wanted} & set(json.loads(row[1]))
        ]
