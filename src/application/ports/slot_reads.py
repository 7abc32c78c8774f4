from abc import abstractmethod
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from application.ports.queues import StoredQueue
from domain.integration import Integration


class SlotReads(Protocol):
    """What finding an integration's next slot reads, and nothing else: the integration, its
    queue and its busy times. Opened for one call and closed (`async with`); each read sees
    what was committed when it ran, as a read-only unit of work's do."""

    @abstractmethod
    async def __aenter__(self) -> Self: ...

    @abstractmethod
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    @abstractmethod
    async def integration(self, workspace_id: UUID, integration_id: UUID) -> Integration | None:
        """The workspace's integration, or None (none, or another workspace's)."""

    @abstractmethod
    async def queue(self, integration_id: UUID) -> StoredQueue | None: ...

    @abstractmethod
    async def busy_times(
        self, integration_id: UUID, start: datetime, end: datetime
    ) -> list[datetime]:
        """As `BusyTimeReader.busy_times`: the blocking times in [start, end], earliest
        first."""


class SlotReadsFactory(Protocol):
    """Makes fresh slot reads, for callers that live longer than one request."""

    @abstractmethod
    def __call__(self) -> SlotReads: ...
