"""Setting, reading and removing a queue, and the slots it gives (section 9).

The world's clock reads Friday 2026-04-17 10:30:15 UTC, 06:30 in New York (EDT, -04:00)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from application.errors import InvalidSlotCount, NotFound, QueueNotSet
from application.set_queue import QueueSlotsInput, SetQueue, SetQueueCommand
from domain.errors import IntegrationDisconnected, InvalidQueue, NoSlotAvailable
from domain.queue import Queue
from tests.unit.application.posts_world import START, World
from tests.unit.application.queue_helpers import (
    delete_queue,
    get_queue,
    list_slots,
    next_slot,
    set_queue,
)

NY_9AM = datetime(2026, 4, 17, 13, 0, tzinfo=UTC)  # Friday 09:00 EDT
NY_1230 = datetime(2026, 4, 17, 16, 30, tzinfo=UTC)
MONDAY_9AM = datetime(2026, 4, 20, 13, 0, tzinfo=UTC)


@pytest.fixture
async def world() -> World:
    return await World().setup()


async def test_a_set_queue_reads_back_with_its_time(world: World) -> None:
    stored = await set_queue(world, world.twitter, blocked_dates=["2026-12-25"])
    assert stored.updated_at == START
    assert stored.queue == Queue.parse(
        "America/New_York", [(list(("mon", "tue", "wed", "thu", "fri")), ["09:00", "12:30"])],
        ["2026-12-25"],
    )  # fmt: skip
    assert await get_queue(world, world.twitter) == stored


async def test_without_a_queue_reading_it_says_so(world: World) -> None:
    with pytest.raises(QueueNotSet):
        await get_queue(world, world.twitter)


async def test_setting_again_replaces_it(world: World) -> None:
    await set_queue(world, world.twitter)
    world.clock.advance(60)
    again = await set_queue(world, world.twitter, times=("18:00",), timezone="Europe/London")
    assert await get_queue(world, world.twitter) == again
    assert again.updated_at == START + timedelta(seconds=60)


async def test_a_refused_queue_stores_nothing(world: World) -> None:
    with pytest.raises(InvalidQueue) as refused:
        await set_queue(world, world.twitter, times=("09:00", "24:00"))
    assert refused.value.field == "slots[0].times[1]"
    assert world.store.queues == {}


@pytest.mark.parametrize("foreign", [True, False])
async def test_another_workspaces_integration_is_not_found(world: World, foreign: bool) -> None:
    other = World(store=world.store, ids=world.ids)
    await other.setup()
    target = other.twitter if foreign else None
    integration_id = target.id if target else uuid4()
    command = SetQueueCommand(
        world.workspace_id, integration_id, "UTC", [QueueSlotsInput(["mon"], ["09:00"])]
    )
    with pytest.raises(NotFound):
        await SetQueue(world.uow(), world.clock).execute(command)
    assert world.store.queues == {}


async def test_deleting_returns_the_queue_and_brings_back_the_default_rule(world: World) -> None:
    stored = await set_queue(world, world.twitter)
    assert (await next_slot(world, world.twitter)).date == NY_9AM
    assert await delete_queue(world, world.twitter) == stored
    assert (await next_slot(world, world.twitter)).date == datetime(2026, 4, 17, 11, tzinfo=UTC)
    with pytest.raises(QueueNotSet):
        await delete_queue(world, world.twitter)


async def test_next_slot_follows_the_queue_and_its_gap(world: World) -> None:
    await set_queue(world, world.twitter, min_gap_minutes=120)
    world.store.targets.append((world.twitter.id, NY_9AM + timedelta(minutes=119), "pending"))
    # 09:00 is blocked (1h59 away), and so is 12:30 (1h31 away).
    assert (await next_slot(world, world.twitter)).date == MONDAY_9AM


async def test_a_full_queue_has_no_slot(world: World) -> None:
    await set_queue(world, world.twitter, times=("09:00",), days=("fri",), horizon_days=1)
    world.store.targets.append((world.twitter.id, NY_9AM, "pending"))
    with pytest.raises(NoSlotAvailable):
        await next_slot(world, world.twitter)


async def test_slots_are_the_next_free_ones_with_their_local_time(world: World) -> None:
    await set_queue(world, world.twitter)
    world.store.targets.append((world.twitter.id, NY_1230, "pending"))
    slots = await list_slots(world, world.twitter, count=3)
    assert [s.date for s in slots] == [NY_9AM, MONDAY_9AM, MONDAY_9AM + timedelta(hours=3.5)]
    assert slots[0].local_time.isoformat() == "2026-04-17T09:00:00-04:00"
    assert world.store.posts == {}  # a preview reserves nothing


async def test_slots_without_a_queue_are_tops_of_the_hour_in_utc(world: World) -> None:
    slots = await list_slots(world, world.bluesky)
    assert len(slots) == 10
    assert slots[0].date == datetime(2026, 4, 17, 11, tzinfo=UTC)
    assert slots[0].local_time.isoformat() == "2026-04-17T11:00:00+00:00"


async def test_fewer_slots_when_the_horizon_holds_fewer(world: World) -> None:
    await set_queue(world, world.twitter, times=("09:00",), days=("mon",), horizon_days=7)
    assert [s.date for s in await list_slots(world, world.twitter, count=50)] == [MONDAY_9AM]


@pytest.mark.parametrize("count", [0, 51, -1])
async def test_the_count_is_1_to_50(world: World, count: int) -> None:
    with pytest.raises(InvalidSlotCount) as refused:
        await list_slots(world, world.twitter, count=count)
    assert refused.value.details["field"] == "count"


async def test_a_disconnected_integration_has_no_slots_but_keeps_its_queue(world: World) -> None:
    stored = await set_queue(world, world.twitter)
    assert world.twitter is not None
    async with world.uow() as uow:
        integration = await uow.integrations.get_any(world.twitter.id)
        assert integration is not None
        integration.disconnect(START)
        await uow.integrations.save(integration)
        await uow.commit()
    with pytest.raises(IntegrationDisconnected):
        await list_slots(world, world.twitter)
    with pytest.raises(IntegrationDisconnected):
        await next_slot(world, world.twitter)
    assert await get_queue(world, world.twitter) == stored
