from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.errors import NotFound
from application.ports.clock import Clock
from application.ports.slot_reads import SlotReadsFactory
from domain.errors import NoSlotAvailable
from domain.platform import Platform
from domain.queue_slots import blocking_window, free_slots
from domain.slots import find_next_slot


@dataclass(frozen=True, slots=True)
class Slot:
    date: datetime
    platform: Platform
    integration_id: UUID


class FindNextSlot:
    """The earliest free slot for an integration that is not disconnected: its queue's when
    it has one (section 9), otherwise the earliest free top of the hour (section 3).

    Only busy times that can block a candidate are read: those within one gap of the
    window [now + lead, now + horizon]. Lives as long as the process: each call opens its
    own slot reads (the composition root may give reads that keep what they read while
    it is current; the rule here is the same either way).
    """

    def __init__(self, reads: SlotReadsFactory, clock: Clock) -> None:
        self.reads = reads
        self.clock = clock

    async def execute(self, workspace_id: UUID, integration_id: UUID) -> Slot:
        return await self.at(self.clock.now(), workspace_id, integration_id)

    async def at(self, now: datetime, workspace_id: UUID, integration_id: UUID) -> Slot:
        """The next slot as of `now`, for a caller that keeps the answer with the moment it
        was found for (`domain.queue_slots.still_first`)."""
        async with self.reads() as reads:
            integration = await reads.integration(workspace_id, integration_id)
            if integration is None:
                raise NotFound(str(integration_id))
            integration.ensure_usable()
            stored = await reads.queue(integration_id)
            queue = None if stored is None else stored.queue
            start, end = blocking_window(now, queue)
            busy = await reads.busy_times(integration_id, start, end)
        if queue is None:
            slot = find_next_slot(now, busy)
        else:
            slot = next(free_slots(now, queue, busy), None)
        if slot is None:
            raise NoSlotAvailable(str(integration_id))
        return Slot(date=slot, platform=integration.platform, integration_id=integration.id)
