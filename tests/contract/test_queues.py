"""QueueRepository contract: one queue per integration, kept exactly as set."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

from application.ports.queues import StoredQueue
from domain.queue import Queue
from tests.contract.builders import T0, committed_integration, committed_workspace
from tests.contract.conftest import Backend

NEW_YORK = Queue.parse(
    "America/New_York",
    [(["mon", "tue", "wed", "thu", "fri"], ["09:00", "12:30"]), (["sat"], ["23:59", "00:00"])],
    ["2026-12-25", "2027-01-01"],
    min_gap_minutes=0,
    horizon_days=28,
)
CHATHAM = Queue.parse("Pacific/Chatham", [(["sun"], ["02:45"])])


async def _integrations(backend: Backend, count: int = 2) -> list[UUID]:
    workspace = await committed_workspace(backend())
    return [(await committed_integration(backend(), workspace.id)).id for _ in range(count)]


async def _put(backend: Backend, stored: StoredQueue) -> None:
    async with backend() as uow:
        await uow.queues.put(stored)
        await uow.commit()


async def test_no_queue_until_one_is_set(uow_factory: Backend) -> None:
    [mine] = await _integrations(uow_factory, 1)
    async with uow_factory() as uow:
        assert await uow.queues.get(mine) is None
        assert await uow.queues.get_many([mine]) == {}


async def test_a_queue_reads_back_exactly_as_set(uow_factory: Backend) -> None:
    mine, other = await _integrations(uow_factory)
    stored = StoredQueue(mine, NEW_YORK, T0)
    await _put(uow_factory, stored)

    async with uow_factory() as uow:
        found = await uow.queues.get(mine)
        assert await uow.queues.get(other) is None
    assert found == stored
    assert found is not None and found.queue.times_on(5) == NEW_YORK.times_on(5)
    assert found.updated_at.utcoffset() == timedelta(0)


async def test_setting_again_replaces_the_queue(uow_factory: Backend) -> None:
    [mine] = await _integrations(uow_factory, 1)
    await _put(uow_factory, StoredQueue(mine, NEW_YORK, T0))
    later = StoredQueue(mine, CHATHAM, T0 + timedelta(hours=1))
    await _put(uow_factory, later)

    async with uow_factory() as uow:
        assert await uow.queues.get(mine) == later


async def test_get_many_reads_those_that_have_one(uow_factory: Backend) -> None:
    mine, other, third = await _integrations(uow_factory, 3)
    await _put(uow_factory, StoredQueue(mine, NEW_YORK, T0))
    await _put(uow_factory, StoredQueue(third, CHATHAM, T0))

    async with uow_factory() as uow:
        found = await uow.queues.get_many([mine, other, third])
        assert await uow.queues.get_many([]) == {}
    assert {i: s.queue for i, s in found.items()} == {mine: NEW_YORK, third: CHATHAM}


async def test_delete_removes_it_and_says_whether_there_was_one(uow_factory: Backend) -> None:
    [mine] = await _integrations(uow_factory, 1)
    await _put(uow_factory, StoredQueue(mine, NEW_YORK, T0))

    async with uow_factory() as uow:
        assert await uow.queues.delete(mine) is True
        assert await uow.queues.delete(mine) is False
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.queues.get(mine) is None


async def test_an_uncommitted_queue_is_not_kept(uow_factory: Backend) -> None:
    [mine] = await _integrations(uow_factory, 1)
    async with uow_factory() as uow:
        await uow.queues.put(StoredQueue(mine, NEW_YORK, T0))
    async with uow_factory() as uow:
        assert await uow.queues.get(mine) is None


async def test_concurrent_first_puts_both_succeed(uow_factory: Backend) -> None:
    [mine] = await _integrations(uow_factory, 1)
    first, second = StoredQueue(mine, NEW_YORK, T0), StoredQueue(mine, CHATHAM, T0)
    await asyncio.gather(_put(uow_factory, first), _put(uow_factory, second))
    async with uow_factory() as uow:
        assert await uow.queues.get(mine) in (first, second)
