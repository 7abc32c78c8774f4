from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.errors import NotFound
from application.integration_slots import free_slots_of
from application.ports.clock import Clock
from application.ports.unit_of_work import ReadOnlyUnitOfWorkFactory
from domain.errors import NoSlotAvailable
from domain.platform import Platform
from domain.slots import DEFAULT_GAP, DEFAULT_HORIZON, DEFAULT_LEAD, find_next_slot


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
    own read-only unit of work.
    """

    def __init__(self, uow_factory: ReadOnlyUnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    async def execute(self, workspace_id: UUID, integration_id: UUID) -> Slot:
        now = self.clock.now()
        async with self.uow_factory() as uow:
            integration = await uow.integrations.get(workspace_id, integration_id)
            if integration is None:
                raise NotFound(str(integration_id))
            integration.ensure_usable()
            stored = await uow.queues.get(integration_id)
            if stored is None:
                busy = await uow.busy_times.busy_times(
                    integration_id,
                    now + DEFAULT_LEAD - DEFAULT_GAP,
                    now + DEFAULT_HORIZON + DEFAULT_GAP,
                )
                slot = find_next_slot(now, busy)
            else:
                slots = await free_slots_of(uow, integration_id, stored.queue, now)
                slot = next(slots, None)
        if slot is None:
            raise NoSlotAvailable(str(integration_id))
        return Slot(date=slot, platform=integration.platform, integration_id=integration.id)
