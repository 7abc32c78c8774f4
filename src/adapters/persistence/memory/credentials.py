"""Platform credentials over `MemoryStore`, versioned as in SQL."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from application.ports.credentials import CredentialRepository, Credentials, StoredCredentials


class MemoryCredentialRepository(CredentialRepository):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def get(self, integration_id: UUID) -> StoredCredentials | None:
        return self.store.credentials.get(integration_id)

    async def get_many(self, integration_ids: Collection[UUID]) -> dict[UUID, StoredCredentials]:
        stored = self.store.credentials
        return {i: stored[i] for i in integration_ids if i in stored}

    async def get_for_update(self, integration_id: UUID) -> StoredCredentials | None:
        """A memory unit of work holds the store's lock from start to end: nothing to add."""
        return self.store.credentials.get(integration_id)

    async def put(self, integration_id: UUID, credentials: Credentials) -> int:
        current = self.store.credentials.get(integration_id)
        version = (current.version if current else 0) + 1
        self.store.credentials[integration_id] = StoredCredentials(credentials, version)
        return version

    async def replace(
        self, integration_id: UUID, credentials: Credentials, expected_version: int
    ) -> bool:
        current = self.store.credentials.get(integration_id)
        if current is None or current.version != expected_version:
            return False
        self.store.credentials[integration_id] = StoredCredentials(
            credentials, expected_version + 1
        )
        return True

    async def erase(self, integration_id: UUID) -> None:
        self.store.credentials.pop(integration_id, None)
