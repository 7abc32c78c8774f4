"""Revisions of a workspace's integrations, over `MemoryStore`."""

from __future__ import annotations

from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from application.ports.revisions import IntegrationRevisions, PostRevisions


class MemoryIntegrationRevisions(IntegrationRevisions):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def of_workspace(self, workspace_id: UUID) -> int:
        async with self.store.lock:  # what is committed: a unit of work holds the lock
            return self.store.integration_revisions.get(workspace_id, 0)


class MemoryPostRevisions(PostRevisions):
    """Every committed unit of work moves it on, for every workspace: never stale, if
    coarser than the databases' per-workspace numbers."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def of_workspace(self, workspace_id: UUID) -> int:
        async with self.store.lock:
            return self.store.commits
