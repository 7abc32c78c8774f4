"""Rendered next-slot answers: kept while the slot revision holds and a search at the
current clock would find the same slot; otherwise searched again. Every answer is the one a
fresh search renders, whatever the clock and the writes do."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.errors import NotFound
from application.find_next_slot import FindNextSlot, Slot
from application.integration_slots import SlotReadsThrough
from application.ports.queues import StoredQueue
from application.ports.revisions import SlotRevisions
from domain.errors import DomainError
from domain.integration import Integration
from domain.queue import Queue
from domain.queue_slots import LEAD
from entrypoints.http.rendered_slots import RenderedSlots, render
from tests.unit.application.world import START, World

HOUR = timedelta(hours=1)


class Revisions(SlotRevisions):
    def __init__(self) -> None:
        self.numbers: dict[UUID, int] = {}
        self.reads = 0

    async def of_integration(self, integration_id: UUID) -> int:
        self.reads += 1
        return self.numbers.get(integration_id, 0)

    def move(self, integration_id: UUID) -> None:
        self.numbers[integration_id] = self.numbers.get(integration_id, 0) + 1


class CountedSearch(FindNextSlot):
    """The use case itself, counting its searches."""

    searches = 0

    async def at(self, now: datetime, workspace_id: UUID, integration_id: UUID) -> Slot:
        self.searches += 1
        return await super().at(now, workspace_id, integration_id)


class Setup:
    def __init__(self, max_answers: int = 100) -> None:
        self.world = World()
        self.integration = self.world.integration(self.world.workspace())
        self.revisions = Revisions()
        self.search = CountedSearch(SlotReadsThrough(self.world.uow), self.world.clock)
        self.kept = RenderedSlots(self.search, self.revisions, self.world.clock, max_answers)

    async def answer(self, integration: Integration | None = None) -> bytes | str:
        integration = integration or self.integration
        try:
            return await self.kept.answer(integration.workspace_id, integration.id)
        except DomainError as error:
            return type(error).__name__

    async def fresh(self) -> bytes | str:
        uncached = FindNextSlot(SlotReadsThrough(self.world.uow), self.world.clock)
        try:
            return render(
                await uncached.execute(self.integration.workspace_id, self.integration.id)
            )
        except DomainError as error:
            return type(error).__name__

    def busy(self, at: datetime) -> None:
        """A write that makes `at` busy, which moves the revision on as the triggers do."""
        self.world.store.targets.append((self.integration.id, at, "pending"))
        self.revisions.move(self.integration.id)

    def set_clock(self, moment: datetime) -> None:
        self.world.clock.set(moment)


def _date(body: bytes | str) -> str:
    assert isinstance(body, bytes), body
    return body.split(b'"date":"')[1].split(b'"')[0].decode()


async def test_while_it_holds_the_slot_is_not_searched_again() -> None:
    setup = Setup()
    first = await setup.answer()
    setup.world.clock.advance(timedelta(minutes=20))
    assert await setup.answer() == first == await setup.fresh()
    assert setup.search.searches == 1 and _date(first) == "2026-04-17T13:00:00Z"


async def test_past_the_slots_last_minute_it_is_searched_again() -> None:
    setup = Setup()
    slot = datetime.fromisoformat(_date(await setup.answer()))  # 13:00, found at 12:10
    setup.set_clock(slot - LEAD)
    assert _date(await setup.answer()) == "2026-04-17T13:00:00Z"
    assert setup.search.searches == 1
    setup.set_clock(slot - LEAD + timedelta(microseconds=1))
    assert _date(await setup.answer()) == "2026-04-17T14:00:00Z"
    assert setup.search.searches == 2


async def test_a_clock_gone_back_searches_again() -> None:
    setup = Setup()
    setup.set_clock(START.replace(minute=59, second=30))  # 12:59:30: 13:00 is too close
    assert _date(await setup.answer()) == "2026-04-17T14:00:00Z"
    setup.set_clock(START.replace(minute=58))
    assert _date(await setup.answer()) == "2026-04-17T13:00:00Z" == _date(await setup.fresh())
    assert setup.search.searches == 2


async def test_a_write_moving_the_revision_searches_again() -> None:
    setup = Setup()
    first = await setup.answer()
    setup.busy(datetime.fromisoformat(_date(first)))
    assert _date(await setup.answer()) == "2026-04-17T14:00:00Z"
    assert setup.search.searches == 2


async def test_refusals_are_not_kept() -> None:
    setup = Setup()
    theirs = setup.world.integration(setup.world.workspace(name="theirs"))
    theirs.disconnect(setup.world.clock.now())
    assert await setup.answer(theirs) == "IntegrationDisconnected"
    assert await setup.answer(theirs) == "IntegrationDisconnected"
    assert setup.search.searches == 2 and len(setup.kept) == 0


async def test_another_workspace_never_gets_a_kept_answer() -> None:
    setup = Setup()
    await setup.answer()
    other = setup.world.workspace(name="other")
    with pytest.raises(NotFound):
        await setup.kept.answer(other.id, setup.integration.id)


async def test_beyond_the_bound_the_answer_kept_longest_goes() -> None:
    setup = Setup(max_answers=1)
    second = setup.world.integration(setup.world.workspace(name="second"))
    await setup.answer()
    await setup.answer(second)
    assert len(setup.kept) == 1
    await setup.answer(second)
    assert setup.search.searches == 2
    await setup.answer()
    assert setup.search.searches == 3


async def test_with_no_room_nothing_is_kept_nor_the_revision_read() -> None:
    setup = Setup(max_answers=0)
    assert await setup.answer() == await setup.answer() == await setup.fresh()
    assert setup.search.searches == 2 and setup.revisions.reads == 0


# Against the search itself ---------------------------------------------------------------

QUEUE = Queue.parse("America/New_York", [(("mon", "wed", "fri"), ("09:00", "12:30", "17:45"))])

steps = st.one_of(
    st.tuples(st.just("advance"), st.integers(0, 5 * 3600)),
    st.tuples(st.just("advance"), st.integers(-2 * 3600, 0)),  # the clock set back
    st.tuples(st.just("to-edge"), st.sampled_from([-1, 0, 1])),  # microseconds from it
    st.tuples(st.just("book-answer"), st.just(0)),
    st.tuples(st.just("book"), st.integers(0, 8 * 24 * 60)),  # minutes from START
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(-120, 8 * 24 * 60), max_size=150),
    st.booleans(),
    st.lists(steps, min_size=1, max_size=25),
)
def test_every_answer_is_a_fresh_searchs(
    busy_minutes: list[int], with_queue: bool, moves: list[tuple[str, int]]
) -> None:
    """Random busy times, with a queue or without, then random steps: the clock on or back,
    to a microsecond of the kept slot's last minute, a write booking the answer or any
    time. After each, the kept answer is what the search renders at that moment."""

    async def scenario() -> None:
        setup = Setup()
        for minutes in busy_minutes:
            setup.world.store.targets.append(
                (setup.integration.id, START + timedelta(minutes=minutes), "pending")
            )
        if with_queue:
            stored = StoredQueue(setup.integration.id, QUEUE, START)
            setup.world.store.queues[setup.integration.id] = stored
        answer = await setup.answer()
        assert answer == await setup.fresh()
        for kind, amount in moves:
            if kind == "advance":
                setup.world.clock.advance(timedelta(seconds=amount))
            elif kind == "to-edge" and isinstance(answer, bytes):
                edge = datetime.fromisoformat(_date(answer)) - LEAD
                setup.set_clock(edge + timedelta(microseconds=amount))
            elif kind == "book-answer" and isinstance(answer, bytes):
                setup.busy(datetime.fromisoformat(_date(answer)))
            elif kind == "book":
                setup.busy(START + timedelta(minutes=amount))
            answer = await setup.answer()
            assert answer == await setup.fresh()

    asyncio.run(scenario())
