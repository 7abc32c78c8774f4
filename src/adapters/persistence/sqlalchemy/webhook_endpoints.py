"""Webhook endpoints in SQL, their secrets sealed with the TokenCipher."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import ColumnElement, and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sqlalchemy.locks import lock_rows
from adapters.persistence.sqlalchemy.tables import webhook_deliveries, webhook_endpoints
from adapters.persistence.sqlalchemy.webhook_mappers import endpoint_from_row, endpoint_to_row
from application.ports.token_cipher import TokenCipher
from application.ports.webhook_endpoints import WebhookEndpointRepository
from domain.webhooks.endpoint import WebhookEndpoint

_e = webhook_endpoints.c


class SqlAlchemyWebhookEndpointRepository(WebhookEndpointRepository):
    def __init__(self, conn: AsyncConnection, cipher: TokenCipher) -> None:
        self.conn, self.cipher = conn, cipher

    async def add(self, endpoint: WebhookEndpoint) -> None:
        await self.conn.execute(
            insert(webhook_endpoints).values(endpoint_to_row(endpoint, self.cipher))
        )

    async def save(self, endpoint: WebhookEndpoint) -> None:
        row = endpoint_to_row(endpoint, self.cipher)
        await self.conn.execute(update(webhook_endpoints).where(_e.id == endpoint.id).values(row))

    async def get(
        self, workspace_id: UUID, endpoint_id: UUID, *, for_update: bool = False
    ) -> WebhookEndpoint | None:
        return await self._one(
            and_(_e.id == endpoint_id, _e.workspace_id == workspace_id), for_update
        )

    async def get_any(
        self, endpoint_id: UUID, *, for_update: bool = False
    ) -> WebhookEndpoint | None:
        return await self._one(_e.id == endpoint_id, for_update)

    async def _one(self, where: ColumnElement[bool], for_update: bool) -> WebhookEndpoint | None:
        if for_update:
            await lock_rows(self.conn, webhook_endpoints, where)
        row = (await self.conn.execute(select(webhook_endpoints).where(where))).mappings().first()
        return endpoint_from_row(row, self.cipher) if row else None

    async def list(
        self, workspace_id: UUID, limit: int, starting_after: WebhookEndpoint | None = None
    ) -> list[WebhookEndpoint]:
        query = select(webhook_endpoints).where(_e.workspace_id == workspace_id)
        if starting_after is not None:
            at, last = starting_after.created_at, starting_after.id
            query = query.where(or_(_e.created_at < at, and_(_e.created_at == at, _e.id < last)))
        query = query.order_by(_e.created_at.desc(), _e.id.desc()).limit(limit)
        rows = (await self.conn.execute(query)).mappings()
        return [endpoint_from_row(row, self.cipher) for row in rows]

    async def delete(self, endpoint: WebhookEndpoint) -> None:
        await self.conn.execute(
            delete(webhook_deliveries).where(webhook_deliveries.c.endpoint_id == endpoint.id)
        )
        await self.conn.execute(delete(webhook_endpoints).where(_e.id == endpoint.id))
