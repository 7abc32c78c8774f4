from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from application.errors import NotFound
from application.ports.clock import Clock
from application.ports.queues import StoredQueue
from application.ports.unit_of_work import UnitOfWork
from domain.queue import DEFAULT_GAP_MINUTES, DEFAULT_HORIZON_DAYS, Queue


@dataclass(frozen=True, slots=True)
class QueueSlotsInput:
    """One entry of `slots` as written: days (`mon`..`sun`) and local times (`HH:MM`)."""

    days: Sequence[str]
    times: Sequence[str]


@dataclass(frozen=True, slots=True)
class SetQueueCommand:
    workspace_id: UUID
    integration_id: UUID
    timezone: str
    slots: Sequence[QueueSlotsInput]
    blocked_dates: Sequence[str] = ()
    min_gap_minutes: int = DEFAULT_GAP_MINUTES
    horizon_days: int = DEFAULT_HORIZON_DAYS


class SetQueue:
    """Gives an integration of the caller's workspace its queue, replacing any it had.

    The queue is checked whole before anything is stored (`Queue.parse` names the field it
    refuses). Any status is accepted: a disconnected account keeps its schedule for when it
    is connected again, and its slots are refused while it is disconnected anyway.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    async def execute(self, command: SetQueueCommand) -> StoredQueue:
        now = self.clock.now()
        queue = Queue.parse(
            command.timezone,
            [(entry.days, entry.times) for entry in command.slots],
            command.blocked_dates,
            command.min_gap_minutes,
            command.horizon_days,
        )
        stored = StoredQueue(command.integration_id, queue, now)
        async with self.uow:
            if (
                await self.uow.integrations.get(command.workspace_id, command.integration_id)
                is None
            ):
                raise NotFound(str(command.integration_id))
            await self.uow.queues.put(stored)
            await self.uow.commit()
        return stored
