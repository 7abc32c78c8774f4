from abc import abstractmethod
from collections.abc import Collection
from typing import Protocol
from uuid import UUID

from domain.workspace import Workspace


class WorkspaceRepository(Protocol):
    @abstractmethod
    async def add(self, workspace: Workspace) -> None: ...

    @abstractmethod
    async def get(self, workspace_id: UUID) -> Workspace | None: ...

    @abstractmethod
    async def get_many(self, workspace_ids: Collection[UUID]) -> dict[UUID, Workspace]:
        """Those of `workspace_ids` that exist, by id, in one read."""

    @abstractmethod
    async def list(self) -> list[Workspace]:
        """Every workspace, oldest first."""

    @abstractmethod
    async def exists_any(self) -> bool: ...
