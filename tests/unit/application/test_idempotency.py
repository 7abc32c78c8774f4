"""Idempotency keys over the memory store, with a clock instead of sleeping."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import uuid4

import pytest

from adapters.clock import ManualClock
from adapters.persistence.memory import MemoryStore, MemoryUnitOfWork
from application.errors import DatabaseUnavailable, IdempotencyKeyInUse
from application.idempotency import (
    Created,
    IdempotencyGuard,
    KeyInUse,
    KeyReused,
    Proceed,
    Replay,
    note_created,
)
from application.ports.idempotency import StoredResponse
from tests.unit.application.posts_world import START

CREATED = StoredResponse(201, (("content-type", "application/json"),), b'{"id":"1"}')


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def guard(clock: ManualClock) -> IdempotencyGuard:
    store = MemoryStore()
    return IdempotencyGuard(lambda: MemoryUnitOfWork(store), clock)


async def test_the_same_request_replays_the_first_answer(guard: IdempotencyGuard) -> None:
    workspace = uuid4()
    assert await guard.begin(workspace, "k1", "fp") == Proceed()
    assert await guard.begin(workspace, "k1", "fp") == KeyInUse()
    await guard.finish(workspace, "k1", CREATED)
    assert await guard.begin(workspace, "k1", "fp") == Replay(CREATED)
    assert await guard.begin(workspace, "k1", "other") == KeyReused()


async def test_keys_belong_to_one_workspace(guard: IdempotencyGuard) -> None:
    await guard.begin(uuid4(), "k1", "fp")
    assert await guard.begin(uuid4(), "k1", "fp") == Proceed()


async def test_server_errors_are_not_kept(guard: IdempotencyGuard) -> None:
    workspace = uuid4()
    await guard.begin(workspace, "k1", "fp")
    await guard.finish(workspace, "k1", StoredResponse(503, (), b"{}"))
    assert await guard.begin(workspace, "k1", "other") == Proceed()


async def test_keys_are_kept_24_hours(guard: IdempotencyGuard, clock: ManualClock) -> None:
    workspace = uuid4()
    await guard.begin(workspace, "k1", "fp")
    await guard.finish(workspace, "k1", CREATED)
    clock.advance(timedelta(hours=24))
    assert await guard.begin(workspace, "k1", "other") == KeyReused()
    clock.advance(timedelta(microseconds=1))
    assert await guard.begin(workspace, "k1", "other") == Proceed()
    clock.advance(timedelta(hours=25))
    assert await guard.purge() == 1


async def test_an_abandoned_key_is_taken_over(guard: IdempotencyGuard, clock: ManualClock) -> None:
    workspace = uuid4()
    await guard.begin(workspace, "k1", "fp")
    clock.advance(timedelta(minutes=4))
    assert await guard.begin(workspace, "k1", "fp") == KeyInUse()
    clock.advance(timedelta(minutes=2))
    assert await guard.begin(workspace, "k1", "fp") == Proceed()


@pytest.mark.parametrize("key", ["", "x" * 256])
async def test_keys_are_1_to_255_characters(guard: IdempotencyGuard, key: str) -> None:
    with pytest.raises(ValueError):
        await guard.begin(uuid4(), key, "fp")


async def test_a_key_whose_request_created_something_answers_with_it(
    clock: ManualClock,
) -> None:
    store = MemoryStore()
    guard = IdempotencyGuard(lambda: MemoryUnitOfWork(store), clock)
    workspace, post_id = uuid4(), uuid4()
    assert await guard.begin(workspace, "k1", "fp") == Proceed()
    async with MemoryUnitOfWork(store) as uow:
        await note_created(uow, workspace, "k1", post_id)
        await uow.commit()
    # Its process died before the answer was kept: never in use, never taken over.
    assert await guard.begin(workspace, "k1", "fp") == Created(post_id)
    clock.advance(timedelta(hours=1))
    assert await guard.begin(workspace, "k1", "fp") == Created(post_id)
    assert await guard.begin(workspace, "k1", "other") == KeyReused()


async def test_a_second_resource_under_one_key_is_refused_and_rolled_back(
    clock: ManualClock,
) -> None:
    store = MemoryStore()
    guard = IdempotencyGuard(lambda: MemoryUnitOfWork(store), clock)
    workspace, first, second = uuid4(), uuid4(), uuid4()
    await guard.begin(workspace, "k1", "fp")
    async with MemoryUnitOfWork(store) as uow:
        await note_created(uow, workspace, "k1", first)
        await uow.commit()
    with pytest.raises(IdempotencyKeyInUse):
        async with MemoryUnitOfWork(store) as uow:
            await note_created(uow, workspace, "k1", second)
            await uow.commit()
    assert await guard.begin(workspace, "k1", "fp") == Created(first)


async def test_the_abandoned_window_is_a_setting(clock: ManualClock) -> None:
    store = MemoryStore()
    guard = IdempotencyGuard(lambda: MemoryUnitOfWork(store), clock, timedelta(seconds=1))
    workspace = uuid4()
    await guard.begin(workspace, "k1", "fp")
    assert await guard.begin(workspace, "k1", "fp") == KeyInUse()
    clock.advance(timedelta(seconds=1, microseconds=1))
    assert await guard.begin(workspace, "k1", "fp") == Proceed()


class _CountingUnits:
    """Memory units of work, counted; `fail` makes each one raise on commit."""

    def __init__(self) -> None:
        self.store, self.opened, self.fail = MemoryStore(), 0, False

    def __call__(self) -> MemoryUnitOfWork:
        self.opened += 1
        unit = MemoryUnitOfWork(self.store)
        if self.fail:

            async def refuse() -> None:
                raise DatabaseUnavailable("down")

            unit.commit = refuse  # type: ignore[method-assign]
        return unit


async def test_answers_finished_together_are_kept_in_one_write(clock: ManualClock) -> None:
    units = _CountingUnits()
    guard = IdempotencyGuard(units, clock)
    workspace = uuid4()
    keys = [f"k{n}" for n in range(6)]
    for key in keys:
        assert await guard.begin(workspace, key, "fp") == Proceed()
    before = units.opened
    await asyncio.gather(*(guard.finish(workspace, key, CREATED) for key in keys))
    assert units.opened - before == 1
    for key in keys:
        assert await guard.begin(workspace, key, "fp") == Replay(CREATED)
    # and one alone is written at once, with nothing to wait for
    assert await guard.begin(workspace, "alone", "fp") == Proceed()
    await guard.finish(workspace, "alone", CREATED)
    assert await guard.begin(workspace, "alone", "fp") == Replay(CREATED)


async def test_a_failed_write_fails_every_finish_of_its_group(clock: ManualClock) -> None:
    units = _CountingUnits()
    guard = IdempotencyGuard(units, clock)
    workspace = uuid4()
    for key in ("k1", "k2"):
        await guard.begin(workspace, key, "fp")
    units.fail = True
    results = await asyncio.gather(
        *(guard.finish(workspace, key, CREATED) for key in ("k1", "k2")), return_exceptions=True
    )
    assert all(isinstance(r, DatabaseUnavailable) for r in results)
    units.fail = False
    await guard.finish(workspace, "k1", CREATED)  # the guard writes again afterwards
    assert await guard.begin(workspace, "k1", "fp") == Replay(CREATED)
    assert await guard.begin(workspace, "k2", "fp") == KeyInUse()


async def test_keys_begun_together_are_taken_in_one_write(clock: ManualClock) -> None:
    units = _CountingUnits()
    guard = IdempotencyGuard(units, clock)
    workspace = uuid4()
    await guard.begin(workspace, "known", "fp")
    before = units.opened
    decisions = await asyncio.gather(
        *(guard.begin(workspace, key, "fp") for key in ("a", "b", "c", "a", "known"))
    )
    assert decisions == [Proceed(), Proceed(), Proceed(), KeyInUse(), KeyInUse()]
    # one write for the group, then one `take` each for the two it did not take new
    assert units.opened - before == 3
