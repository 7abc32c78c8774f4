"""Two units of work racing for the same rows, the second as another process would."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from application.ports.unit_of_work import UnitOfWork
from tests.contract.conftest import Backend

T = TypeVar("T")
Step = Callable[[UnitOfWork], Awaitable[object]]

HOLD_FOR = 0.3


async def second_waits_for_first(
    backend: Backend,
    lock: Step,
    first_writes: Step,
    second_reads: Callable[[UnitOfWork], Awaitable[T]],
) -> T:
    """The first unit locks, lingers, writes and commits; the second locks as soon as the
    first holds the lock, then reads. Returns what the second read: with a working lock it
    sees the first unit's write."""
    locked = asyncio.Event()

    async def first() -> None:
        async with backend() as uow:
            await lock(uow)
            locked.set()
            await asyncio.sleep(HOLD_FOR)
            await first_writes(uow)
            await uow.commit()

    async def second() -> T:
        await locked.wait()
        async with backend.from_another_process() as uow:
            await lock(uow)
            return await second_reads(uow)

    _, seen = await asyncio.wait_for(asyncio.gather(first(), second()), 30)
    return seen
