from abc import abstractmethod
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.queue import Queue


@dataclass(frozen=True, slots=True)
class StoredQueue:
    """An integration's queue as kept: the schedule and when it was last set."""

    integration_id: UUID
    queue: Queue
    updated_at: datetime


class QueueRepository(Protocol):
    """At most one queue per integration. Keyed by integration id alone: a use case reads
    the integration within the caller's workspace first."""

    @abstractmethod
    async def get(self, integration_id: UUID) -> StoredQueue | None: ...

    @abstractmethod
    async def get_many(self, integration_ids: Collection[UUID]) -> dict[UUID, StoredQueue]:
        """Those of `integration_ids` that have a queue, by integration id, in one read."""

    @abstractmethod
    async def put(self, stored: StoredQueue) -> None:
        """Sets the integration's queue, replacing any it had."""

    @abstractmethod
    async def delete(self, integration_id: UUID) -> bool:
        """Removes the queue; False when there was none."""
