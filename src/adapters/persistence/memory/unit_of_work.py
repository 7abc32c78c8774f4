from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from adapters.persistence.memory.api_keys import MemoryApiKeyRepository
from adapters.persistence.memory.busy_times import MemoryBusyTimeReader
from adapters.persistence.memory.credentials import MemoryCredentialRepository
from adapters.persistence.memory.idempotency import MemoryIdempotencyStore
from adapters.persistence.memory.integrations import MemoryIntegrationRepository
from adapters.persistence.memory.media import MemoryMediaRepository
from adapters.persistence.memory.oauth_states import MemoryOAuthStateRepository
from adapters.persistence.memory.outbox import MemoryOutbox
from adapters.persistence.memory.posts import MemoryPostRepository
from adapters.persistence.memory.publish_queue import MemoryPublishQueue
from adapters.persistence.memory.queues import MemoryQueueRepository
from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.webhook_deliveries import (
    MemoryDeliveryQueue,
    MemoryDeliveryRepository,
)
from adapters.persistence.memory.webhook_endpoints import MemoryWebhookEndpointRepository
from adapters.persistence.memory.workspaces import MemoryWorkspaceRepository
from application.ports.unit_of_work import UnitOfWork


class MemoryUnitOfWork(UnitOfWork):
    """Holds the store's lock for the whole unit and restores a snapshot unless committed."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.workspaces = MemoryWorkspaceRepository(store)
        self.api_keys = MemoryApiKeyRepository(store)
        self.integrations = MemoryIntegrationRepository(store)
        self.oauth_states = MemoryOAuthStateRepository(store)
        self.credentials = MemoryCredentialRepository(store)
        self.busy_times = MemoryBusyTimeReader(store)
        self.posts = MemoryPostRepository(store)
        self.publish_queue = MemoryPublishQueue(store)
        self.idempotency = MemoryIdempotencyStore(store)
        self.queues = MemoryQueueRepository(store)
        self.media = MemoryMediaRepository(store)
        self.outbox = MemoryOutbox(store)
        self.webhook_endpoints = MemoryWebhookEndpointRepository(store)
        self.webhook_deliveries = MemoryDeliveryRepository(store)
        self.delivery_queue = MemoryDeliveryQueue(store)
        self._snapshot: dict[str, Any] | None = None

    async def __aenter__(self) -> Self:
        await self.store.lock.acquire()
        self._snapshot = self.store.snapshot()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.rollback()
        finally:
            self.store.lock.release()

    async def commit(self) -> None:
        self._snapshot = self.store.snapshot()
        self.store.commits += 1

    async def rollback(self) -> None:
        if self._snapshot is not None:
            self.store.restore(self._snapshot)
