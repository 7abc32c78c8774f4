"""Kept slot reads: while an integration's slot revision holds, next-slot is computed from
what was read at that revision, without reading again; the answers are those of fresh
reads, whatever the clock does."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self
from uuid import UUID

from adapters.decorators.kept_slot_reads import KeptSlotReads
from application.find_next_slot import FindNextSlot, Slot
from application.integration_slots import SlotReadsThrough
from application.ports.queues import StoredQueue
from application.ports.revisions import SlotRevisions
from application.ports.slot_reads import SlotReads, SlotReadsFactory
from domain.errors import NoSlotAvailable
from domain.integration import Integration
from tests.unit.application.world import START, World


class Revisions(SlotRevisions):
    def __init__(self) -> None:
        self.numbers: dict[UUID, int] = {}

    async def of_integration(self, integration_id: UUID) -> int:
        return self.numbers.get(integration_id, 0)

    def move(self, integration_id: UUID) -> None:
        self.numbers[integration_id] = self.numbers.get(integration_id, 0) + 1


class Counted(SlotReadsFactory):
    """The reads through the world's store, counting each read by kind."""

    def __init__(self, inner: SlotReadsFactory) -> None:
        self.inner = inner
        self.counts = {"integration": 0, "queue": 0, "busy_times": 0}

    def __call__(self) -> SlotReads:
        return _Counted(self.inner(), self.counts)


class _Counted(SlotReads):
    def __init__(self, inner: SlotReads, counts: dict[str, int]) -> None:
        self.inner, self.counts = inner, counts

    async def __aenter__(self) -> Self:
        await self.inner.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.inner.__aexit__(exc_type, exc, tb)

    async def integration(self, workspace_id: UUID, integration_id: UUID) -> Integration | None:
        self.counts["integration"] += 1
        return await self.inner.integration(workspace_id, integration_id)

    async def queue(self, integration_id: UUID) -> StoredQueue | None:
        self.counts["queue"] += 1
        return await self.inner.queue(integration_id)

    async def busy_times(
        self, integration_id: UUID, start: datetime, end: datetime
    ) -> list[datetime]:
        self.counts["busy_times"] += 1
        return await self.inner.busy_times(integration_id, start, end)


def _setup(world: World, **kept: object) -> tuple[Counted, Revisions, KeptSlotReads]:
    counted, revisions = Counted(SlotReadsThrough(world.uow)), Revisions()
    return counted, revisions, KeptSlotReads(counted, revisions, **kept)  # type: ignore[arg-type]


async def _next(world: World, reads: SlotReadsFactory, integration: Integration) -> Slot | None:
    try:
        return await FindNextSlot(reads, world.clock).execute(
            integration.workspace_id, integration.id
        )
    except NoSlotAvailable:
        return None


def _busy(world: World, integration: Integration, at: datetime) -> None:
    world.store.targets.append((integration.id, at, "pending"))


async def test_at_the_same_revision_nothing_is_read_again() -> None:
    world = World()
    integration = world.integration(world.workspace())
    counted, _, kept = _setup(world)
    first = await _next(world, kept, integration)
    assert counted.counts == {"integration": 1, "queue": 1, "busy_times": 1}
    assert await _next(world, kept, integration) == first
    assert counted.counts == {"integration": 1, "queue": 1, "busy_times": 1}


async def test_a_new_revision_reads_again() -> None:
    world = World()
    integration = world.integration(world.workspace())
    counted, revisions, kept = _setup(world)
    first = await _next(world, kept, integration)
    assert first is not None
    _busy(world, integration, first.date)
    revisions.move(integration.id)
    second = await _next(world, kept, integration)
    assert second is not None and second.date == first.date + timedelta(hours=1)
    assert counted.counts == {"integration": 2, "queue": 2, "busy_times": 2}


async def test_the_clock_within_the_read_ahead_cuts_what_is_kept_and_past_it_reads() -> None:
    world = World()
    integration = world.integration(world.workspace())
    counted, _, kept = _setup(world, read_ahead=timedelta(hours=1))
    await _next(world, kept, integration)
    world.clock.advance(timedelta(minutes=59))
    await _next(world, kept, integration)
    assert counted.counts["busy_times"] == 1
    world.clock.advance(timedelta(minutes=2))
    await _next(world, kept, integration)
    assert counted.counts == {"integration": 1, "queue": 1, "busy_times": 2}


async def test_answers_are_those_of_fresh_reads_as_the_clock_moves() -> None:
    """Busy times at random minutes around the week, the clock moved by random steps: the
    kept reads answer as reads through the store do at every step."""
    rng = random.Random(20)
    for _ in range(20):
        world = World()
        integration = world.integration(world.workspace())
        for _ in range(rng.randrange(0, 200)):
            _busy(world, integration, START + timedelta(minutes=rng.randrange(-120, 9 * 24 * 60)))
        _, _, kept = _setup(world, read_ahead=timedelta(minutes=rng.randrange(1, 180)))
        fresh = SlotReadsThrough(world.uow)
        for _ in range(12):
            assert await _next(world, kept, integration) == await _next(world, fresh, integration)
            world.clock.advance(timedelta(seconds=rng.randrange(0, 3 * 3600)))


async def test_an_integration_not_found_is_not_kept() -> None:
    world = World()
    mine, theirs = world.workspace(), world.workspace(name="theirs")
    integration = world.integration(mine)
    counted, _, kept = _setup(world)
    reads = kept()
    async with reads:
        assert await reads.integration(theirs.id, integration.id) is None
    assert len(kept) == 0 and counted.counts["integration"] == 1


async def test_beyond_the_bound_the_entry_kept_longest_goes() -> None:
    world = World()
    workspace = world.workspace()
    first, second = world.integration(workspace), world.integration(workspace)
    for hour in range(5):
        _busy(world, first, START + timedelta(hours=hour + 1))
        _busy(world, second, START + timedelta(hours=hour + 1))
    counted, _, kept = _setup(world, max_times=8)
    await _next(world, kept, first)
    await _next(world, kept, second)
    assert len(kept) == 1
    await _next(world, kept, second)
    assert counted.counts["integration"] == 2
    await _next(world, kept, first)
    assert counted.counts["integration"] == 3
