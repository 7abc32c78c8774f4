"""`schedule_at: "next_slot"` with queues: the earliest moment that is a free slot of every
target, each by its own queue or section 3's rule, reserved atomically."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from application.post_scheduling import NEXT_SLOT
from domain.errors import NoSlotAvailable
from tests.unit.application.posts_world import World
from tests.unit.application.queue_helpers import set_queue

NY_9AM = datetime(2026, 4, 17, 13, 0, tzinfo=UTC)  # Friday 09:00 EDT
MONDAY_9AM = datetime(2026, 4, 20, 13, 0, tzinfo=UTC)


@pytest.fixture
async def world() -> World:
    return await World().setup()


async def test_a_queued_target_takes_its_queues_next_slot(world: World) -> None:
    await set_queue(world, world.twitter, times=("09:00", "12:30"))
    post = await world.create(world.twitter, schedule_at=NEXT_SLOT)
    assert post.scheduled_at == NY_9AM


async def test_a_queue_and_the_default_rule_meet_on_a_shared_moment(world: World) -> None:
    # 12:30 EDT is no top of the hour, so the bluesky target (no queue) cannot take it.
    await set_queue(world, world.twitter, times=("12:30", "14:00"))
    post = await world.create(world.twitter, world.bluesky, schedule_at=NEXT_SLOT)
    assert post.scheduled_at == datetime(2026, 4, 17, 18, 0, tzinfo=UTC)


async def test_two_queues_take_a_time_free_on_both(world: World) -> None:
    await set_queue(world, world.twitter, times=("09:00", "15:00"))
    await set_queue(world, world.bluesky, times=("09:00", "15:00"), timezone="America/Toronto")
    world.store.targets.append((world.bluesky.id, NY_9AM, "pending"))  # type: ignore[union-attr]
    post = await world.create(world.twitter, world.bluesky, schedule_at=NEXT_SLOT)
    assert post.scheduled_at == datetime(2026, 4, 17, 19, 0, tzinfo=UTC)


async def test_queues_that_never_meet_leave_no_slot_and_store_nothing(world: World) -> None:
    await set_queue(world, world.twitter, times=("09:00",))
    await set_queue(world, world.bluesky, times=("09:30",))
    with pytest.raises(NoSlotAvailable):
        await world.create(world.twitter, world.bluesky, schedule_at=NEXT_SLOT)
    assert world.store.posts == {}


async def test_concurrent_reservations_keep_the_queues_gap(world: World) -> None:
    times = tuple(f"{h:02d}:{m:02d}" for h in range(8, 20) for m in (0, 20, 40))
    await set_queue(world, world.twitter, times=times, days=("fri",), min_gap_minutes=45)
    posts = await asyncio.gather(
        *(world.create(world.twitter, schedule_at=NEXT_SLOT) for _ in range(8))
    )
    at = sorted(p.scheduled_at for p in posts if p.scheduled_at)
    assert len(at) == 8
    assert all(b - a >= timedelta(minutes=45) for a, b in itertools.pairwise(at))


async def test_moving_a_post_to_the_next_slot_ignores_its_own_time(world: World) -> None:
    await set_queue(world, world.twitter, times=("09:00",))
    post = await world.create(world.twitter, schedule_at=NEXT_SLOT)
    moved = await world.update(post, reschedule=True, schedule_at=NEXT_SLOT)
    assert moved.scheduled_at == NY_9AM
    other = await world.create(world.twitter, schedule_at=NEXT_SLOT)
    assert other.scheduled_at == MONDAY_9AM
