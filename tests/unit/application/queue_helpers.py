"""Queue use cases over a posts world, called as the edge calls them."""

from __future__ import annotations

from typing import Any

from application.delete_queue import DeleteQueue
from application.find_next_slot import FindNextSlot, Slot
from application.get_queue import GetQueue
from application.integration_slots import SlotReadsThrough
from application.list_slots import ListSlots, ListSlotsQuery, UpcomingSlot
from application.ports.queues import StoredQueue
from application.set_queue import QueueSlotsInput, SetQueue, SetQueueCommand
from domain.integration import Integration
from tests.unit.application.posts_world import World

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


async def set_queue(
    world: World,
    integration: Integration | None,
    times: tuple[str, ...] = ("09:00", "12:30"),
    days: tuple[str, ...] = WEEKDAYS,
    **kwargs: Any,
) -> StoredQueue:
    assert integration is not None
    kwargs.setdefault("timezone", "America/New_York")
    command = SetQueueCommand(
        world.workspace_id, integration.id, slots=[QueueSlotsInput(days, times)], **kwargs
    )
    return await SetQueue(world.uow(), world.clock).execute(command)


async def get_queue(world: World, integration: Integration | None) -> StoredQueue:
    assert integration is not None
    return await GetQueue(world.uow).execute(world.workspace_id, integration.id)


async def delete_queue(world: World, integration: Integration | None) -> StoredQueue:
    assert integration is not None
    return await DeleteQueue(world.uow()).execute(world.workspace_id, integration.id)


async def list_slots(
    world: World, integration: Integration | None, count: int = 10
) -> list[UpcomingSlot]:
    assert integration is not None
    query = ListSlotsQuery(world.workspace_id, integration.id, count)
    return await ListSlots(world.uow, world.clock).execute(query)


async def next_slot(world: World, integration: Integration | None) -> Slot:
    assert integration is not None
    return await FindNextSlot(SlotReadsThrough(world.uow), world.clock).execute(
        world.workspace_id, integration.id
    )
