from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from uuid import UUID
from zoneinfo import ZoneInfo

from application.errors import InvalidSlotCount, NotFound
from application.integration_slots import free_slots_of
from application.ports.clock import Clock
from application.ports.unit_of_work import ReadOnlyUnitOfWorkFactory

MAX_SLOT_COUNT = 50
DEFAULT_SLOT_COUNT = 10


@dataclass(frozen=True, slots=True)
class ListSlotsQuery:
    workspace_id: UUID
    integration_id: UUID
    count: int = DEFAULT_SLOT_COUNT


@dataclass(frozen=True, slots=True)
class UpcomingSlot:
    """A free slot: the moment (UTC) and the same moment on the queue's wall clock."""

    date: datetime
    local_time: datetime


class ListSlots:
    """A preview of an integration's next `count` (1-50) free slots, earliest first: the
    queue's when it has one, section 3's tops of the hour (in UTC) otherwise. It reserves
    nothing; fewer come back when the horizon holds fewer. A disconnected integration has
    no slots (`IntegrationDisconnected`), as for next-slot."""

    def __init__(self, uow_factory: ReadOnlyUnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory, self.clock = uow_factory, clock

    async def execute(self, query: ListSlotsQuery) -> list[UpcomingSlot]:
        if isinstance(query.count, bool) or not 1 <= query.count <= MAX_SLOT_COUNT:
            raise InvalidSlotCount(query.count, MAX_SLOT_COUNT)
        now = self.clock.now()
        async with self.uow_factory() as uow:
            integration = await uow.integrations.get(query.workspace_id, query.integration_id)
            if integration is None:
                raise NotFound(str(query.integration_id))
            integration.ensure_usable()
            stored = await uow.queues.get(integration.id)
            queue = stored.queue if stored else None
            slots = await free_slots_of(uow, integration.id, queue, now)
        zone = queue.zone if queue else ZoneInfo("UTC")
        return [
            UpcomingSlot(at.astimezone(UTC), at.astimezone(zone))
            for at in islice(slots, query.count)
        ]
