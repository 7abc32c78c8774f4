"""Workspaces over `MemoryStore`."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from application.ports.workspaces import WorkspaceRepository
from domain.workspace import Workspace


class MemoryWorkspaceRepository(WorkspaceRepository):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def add(self, workspace: Workspace) -> None:
        self.store.workspaces[workspace.id] = workspace

    async def get(self, workspace_id: UUID) -> Workspace | None:
        return self.store.workspaces.get(workspace_id)

    async def get_many(self, workspace_ids: Collection[UUID]) -> dict[UUID, Workspace]:
        found = (self.store.workspaces.get(i) for i in workspace_ids)
        return {w.id: w for w in found if w is not None}

    async def list(self) -> list[Workspace]:
        return sorted(self.store.workspaces.values(), key=lambda w: (w.created_at, w.id))

    async def exists_any(self) -> bool:
        return bool(self.store.workspaces)
