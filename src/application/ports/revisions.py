from abc import abstractmethod
from typing import Protocol
from uuid import UUID


class IntegrationRevisions(Protocol):
    """How far a workspace's integrations have come: a number that is different once any
    integration of the workspace has been added, changed or removed (committed, by any
    process), and the same until then. It lets a reader keep what it derived from them
    (a rendered page of the list) for exactly as long as it is current.

    Reading it is meant to be much cheaper than reading the integrations: one indexed row,
    no transaction."""

    @abstractmethod
    async def of_workspace(self, workspace_id: UUID) -> int: ...
