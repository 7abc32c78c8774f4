"""What every slot use case reads for one integration: its queue (if any) and the busy
times that can block one of its candidates; and next-slot's reads through a unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from types import TracebackType
from typing import Self
from uuid import UUID

from application.ports.queues import StoredQueue
from application.ports.slot_reads import SlotReads, SlotReadsFactory
from application.ports.unit_of_work import (
    ReadOnlyUnitOfWork,
    ReadOnlyUnitOfWorkFactory,
    UnitOfWork,
)
from domain.integration import Integration
from domain.queue import Queue
from domain.queue_slots import blocking_window, free_slots


async def free_slots_of(
    uow: UnitOfWork,
    integration_id: UUID,
    queue: Queue | None,
    now: datetime,
    excluding_post: UUID | None = None,
) -> Iterator[datetime]:
    """The integration's free slots, earliest first (section 3's rule when `queue` is None).
    Only busy times within one gap of the window are read."""
    start, end = blocking_window(now, queue)
    busy = await uow.busy_times.busy_times(
        integration_id, start, end, excluding_post=excluding_post
    )
    return free_slots(now, queue, busy)


class SlotReadsThrough(SlotReadsFactory):
    """Slot reads through a read-only unit of work, opened for the call."""

    def __init__(self, uow_factory: ReadOnlyUnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    def __call__(self) -> SlotReads:
        return _UnitOfWorkSlotReads(self.uow_factory())


class _UnitOfWorkSlotReads(SlotReads):
    def __init__(self, uow: ReadOnlyUnitOfWork) -> None:
        self.uow = uow

    async def __aenter__(self) -> Self:
        await self.uow.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.uow.__aexit__(exc_type, exc, tb)

    async def integration(self, workspace_id: UUID, integration_id: UUID) -> Integration | None:
        return await self.uow.integrations.get(workspace_id, integration_id)

    async def queue(self, integration_id: UUID) -> StoredQueue | None:
        return await self.uow.queues.get(integration_id)

    async def busy_times(
        self, integration_id: UUID, start: datetime, end: datetime
    ) -> list[datetime]:
        return await self.uow.busy_times.busy_times(integration_id, start, end)
