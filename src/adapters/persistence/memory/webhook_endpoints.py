"""In-memory webhook endpoints over `MemoryStore`; entities are copied in and out."""

from __future__ import annotations

import copy
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from application.ports.webhook_endpoints import WebhookEndpointRepository
from domain.webhooks.endpoint import WebhookEndpoint


class MemoryWebhookEndpointRepository(WebhookEndpointRepository):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def add(self, endpoint: WebhookEndpoint) -> None:
        if endpoint.id in self.store.webhook_endpoints:
            raise ValueError(f"endpoint {endpoint.id} exists")
        self.store.webhook_endpoints[endpoint.id] = copy.deepcopy(endpoint)

    async def save(self, endpoint: WebhookEndpoint) -> None:
        if endpoint.id in self.store.webhook_endpoints:
            self.store.webhook_endpoints[endpoint.id] = copy.deepcopy(endpoint)

    async def get(
        self, workspace_id: UUID, endpoint_id: UUID, *, for_update: bool = False
    ) -> WebhookEndpoint | None:
        found = self.store.webhook_endpoints.get(endpoint_id)
        if found is None or found.workspace_id != workspace_id:
            return None
        return copy.deepcopy(found)

    async def get_any(
        self, endpoint_id: UUID, *, for_update: bool = False
    ) -> WebhookEndpoint | None:
        found = self.store.webhook_endpoints.get(endpoint_id)
        return copy.deepcopy(found) if found else None

    async def list(
        self, workspace_id: UUID, limit: int, starting_after: WebhookEndpoint | None = None
    ) -> list[WebhookEndpoint]:
        rows = [e for e in self.store.webhook_endpoints.values() if e.workspace_id == workspace_id]
        rows.sort(key=lambda e: (e.created_at, e.id), reverse=True)
        if starting_after is not None:
            cursor = (starting_after.created_at, starting_after.id)
            rows = [e for e in rows if (e.created_at, e.id) < cursor]
        return [copy.deepcopy(e) for e in rows[:limit]]

    async def delete(self, endpoint: WebhookEndpoint) -> None:
        self.store.webhook_endpoints.pop(endpoint.id, None)
        deliveries = self.store.webhook_deliveries
        for delivery_id in [d.id for d in deliveries.values() if d.endpoint_id == endpoint.id]:
            del deliveries[delivery_id]
