"""In-memory deliveries and the delivery queue over `MemoryStore`."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from application.ports.webhook_deliveries import (
    ClaimedDelivery,
    DeliveryQueue,
    DeliveryRepository,
)
from domain.webhooks.delivery import Delivery, DeliveryStatus
from domain.webhooks.endpoint import WebhookEndpoint


class MemoryDeliveryRepository(DeliveryRepository):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def get(
        self, workspace_id: UUID, endpoint_id: UUID, delivery_id: UUID, *, for_update: bool = False
    ) -> Delivery | None:
        found = self.store.webhook_deliveries.get(delivery_id)
        if found is None or (found.workspace_id, found.endpoint_id) != (workspace_id, endpoint_id):
            return None
        return copy.deepcopy(found)

    async def save(self, delivery: Delivery) -> None:
        if delivery.id in self.store.webhook_deliveries:
            self.store.webhook_deliveries[delivery.id] = copy.deepcopy(delivery)

    async def save_attempts(self, attempts: Sequence[tuple[Delivery, int]]) -> set[UUID]:
        saved = set()
        for delivery, claimed_attempts in attempts:
            stored = self.store.webhook_deliveries.get(delivery.id)
            if stored is None or stored.attempts != claimed_attempts:
                continue
            if stored.status is not DeliveryStatus.PENDING:
                continue
            self.store.webhook_deliveries[delivery.id] = copy.deepcopy(delivery)
            saved.add(delivery.id)
        return saved

    async def list(
        self,
        workspace_id: UUID,
        endpoint_id: UUID,
        status: DeliveryStatus | None,
        limit: int,
        starting_after: Delivery | None = None,
    ) -> list[Delivery]:
        rows = [
            d
            for d in self.store.webhook_deliveries.values()
            if (d.workspace_id, d.endpoint_id) == (workspace_id, endpoint_id)
            and (status is None or d.status is status)
        ]
        rows.sort(key=lambda d: (d.created_at, d.id), reverse=True)
        if starting_after is not None:
            cursor = (starting_after.created_at, starting_after.id)
            rows = [d for d in rows if (d.created_at, d.id) < cursor]
        return [copy.deepcopy(d) for d in rows[:limit]]


class MemoryDeliveryQueue(DeliveryQueue):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int, per_endpoint: int
    ) -> list[ClaimedDelivery]:
        endpoints = self.store.webhook_endpoints
        deliveries = list(self.store.webhook_deliveries.values())
        in_flight = Counter(d.endpoint_id for d in deliveries if d.in_flight(now))
        due = sorted(
            (d for d in deliveries if d.is_due(now) and _enabled(endpoints, d.endpoint_id)),
            key=lambda d: (d.next_attempt_at, d.id),
        )
        claimed: list[ClaimedDelivery] = []
        for delivery in due:
            if len(claimed) >= limit:
                break
            if in_flight[delivery.endpoint_id] >= per_endpoint:
                continue
            in_flight[delivery.endpoint_id] += 1
            delivery.claim(now, lease)
            endpoint = endpoints[delivery.endpoint_id]
            event = self.store.webhook_events[delivery.event_id]
            claimed.append(
                ClaimedDelivery(copy.deepcopy(delivery), copy.deepcopy(endpoint), event.body)
            )
        return claimed


def _enabled(endpoints: dict[UUID, WebhookEndpoint], endpoint_id: UUID) -> bool:
    endpoint = endpoints.get(endpoint_id)
    return endpoint is not None and endpoint.enabled
