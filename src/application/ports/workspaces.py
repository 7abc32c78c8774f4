from abc import abstractmethod
from typing import Protocol
from uuid import UUID

from domain.workspace import Workspace


class WorkspaceRepository(Protocol):
    @abstractmethod
    async def add(self, workspace: Workspace) -> None: ...

    @abstractmethod
    async def get(self, workspace_id: UUID) -> Workspace | None: ...

    @abstractmethod
    async def list(self) -> list[Workspace]:
        """Every workspace, oldest first."""

    @abstractmethod
    async def exists_any(self) -> bool: ...
