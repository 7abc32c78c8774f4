"""The worker sweeps the media store every MEDIA_SWEEP_EVERY_S by the clock port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from adapters.clock import ManualClock
from application.sweep_media import SweepMedia, SweepReport
from entrypoints.media_sweeper import MediaSweeper
from tests.support.media import InMemoryMediaStore
from tests.unit.application.world import World

HOUR = timedelta(hours=1)


async def orphan(store: InMemoryMediaStore, world: World) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"no row names me"

    await store.write(f"{world.ids.new_id()}/{world.ids.new_id()}", chunks())


def sweeper(world: World, store: InMemoryMediaStore, every: timedelta) -> MediaSweeper:
    sweep = SweepMedia(world.uow, store, world.clock, grace=timedelta(minutes=10))
    return MediaSweeper(sweep, world.clock, every)


async def test_it_sweeps_at_start_then_once_per_interval() -> None:
    world, store = World(clock=ManualClock(datetime.now(UTC) + HOUR)), InMemoryMediaStore()
    await orphan(store, world)
    worker = sweeper(world, store, HOUR)
    assert await worker.tick() == SweepReport(partial=0, orphans=1)
    await orphan(store, world)
    assert await worker.tick() is None
    world.clock.advance(HOUR - timedelta(seconds=1))
    assert await worker.tick() is None
    world.clock.advance(timedelta(seconds=1))
    assert await worker.tick() == SweepReport(partial=0, orphans=1)
    assert store.objects == {}


async def test_an_interval_of_zero_never_sweeps() -> None:
    world, store = World(clock=ManualClock(datetime.now(UTC) + HOUR)), InMemoryMediaStore()
    await orphan(store, world)
    worker = sweeper(world, store, timedelta(0))
    assert await worker.tick() is None
    await asyncio.wait_for(worker.run(asyncio.Event()), 1)  # returns at once
    assert len(store.objects) == 1
