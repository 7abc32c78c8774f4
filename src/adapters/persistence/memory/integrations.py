"""Integrations over `MemoryStore`: a real adapter, for unit tests and for anyone
embedding the domain without a database."""

from __future__ import annotations

import copy
from collections.abc import Collection
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from application.errors import DuplicateIntegration
from application.ports.integrations import IntegrationRepository
from domain.integration import Integration, IntegrationStatus
from domain.platform import Platform


class MemoryIntegrationRepository(IntegrationRepository):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def add(self, integration: Integration) -> None:
        existing = await self.find_by_account(
            integration.workspace_id, integration.platform, integration.platform_user_id
        )
        if existing is not None or integration.id in self.store.integrations:
            raise DuplicateIntegration(integration.platform_user_id)
        self.store.integrations[integration.id] = copy.copy(integration)
        self._moved(integration.workspace_id)

    async def save(self, integration: Integration) -> None:
        self.store.integrations[integration.id] = copy.copy(integration)
        self._moved(integration.workspace_id)

    def _moved(self, workspace_id: UUID) -> None:
        revisions = self.store.integration_revisions
        revisions[workspace_id] = revisions.get(workspace_id, 0) + 1

    async def get(self, workspace_id: UUID, integration_id: UUID) -> Integration | None:
        found = self.store.integrations.get(integration_id)
        if found is None or found.workspace_id != workspace_id:
            return None
        return copy.copy(found)

    async def get_any(self, integration_id: UUID) -> Integration | None:
        found = self.store.integrations.get(integration_id)
        return copy.copy(found) if found else None

    async def get_many(self, integration_ids: Collection[UUID]) -> dict[UUID, Integration]:
        found = (self.store.integrations.get(i) for i in integration_ids)
        return {i.id: copy.copy(i) for i in found if i is not None}

    async def get_held(
        self, workspace_id: UUID, integration_ids: Collection[UUID]
    ) -> dict[UUID, Integration]:
        """A memory unit of work holds the store's lock from start to end."""
        found = (self.store.integrations.get(i) for i in integration_ids)
        return {
            i.id: copy.copy(i) for i in found if i is not None and i.workspace_id == workspace_id
        }

    async def find_by_account(
        self, workspace_id: UUID, platform: Platform, platform_user_id: str
    ) -> Integration | None:
        for found in self.store.integrations.values():
            if (found.workspace_id, found.platform, found.platform_user_id) == (
                workspace_id,
                platform,
                platform_user_id,
            ):
                return copy.copy(found)
        return None

    async def list(
        self,
        workspace_id: UUID,
        statuses: Collection[IntegrationStatus],
        limit: int,
        starting_after: Integration | None = None,
    ) -> list[Integration]:
        rows = [
            i
            for i in self.store.integrations.values()
            if i.workspace_id == workspace_id and i.status in statuses
        ]
        rows.sort(key=lambda i: (i.connected_at, i.id), reverse=True)
        if starting_after is not None:
            cursor = (starting_after.connected_at, starting_after.id)
            rows = [i for i in rows if (i.connected_at, i.id) < cursor]
        return [copy.copy(i) for i in rows[:limit]]
