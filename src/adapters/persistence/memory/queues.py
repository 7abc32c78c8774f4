"""Queues in memory, beside `persistence/sqlalchemy/queues.py`."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from application.ports.queues import QueueRepository, StoredQueue


class MemoryQueueRepository(QueueRepository):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def get(self, integration_id: UUID) -> StoredQueue | None:
        return self.store.queues.get(integration_id)

    async def get_many(self, integration_ids: Collection[UUID]) -> dict[UUID, StoredQueue]:
        queues = self.store.queues
        return {i: queues[i] for i in integration_ids if i in queues}

    async def put(self, stored: StoredQueue) -> None:
        self.store.queues[stored.integration_id] = stored

    async def delete(self, integration_id: UUID) -> bool:
        return self.store.queues.pop(integration_id, None) is not None
