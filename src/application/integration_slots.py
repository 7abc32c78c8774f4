"""What every slot use case reads for one integration: its queue (if any) and the busy
times that can block one of its candidates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from uuid import UUID

from application.ports.unit_of_work import UnitOfWork
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
