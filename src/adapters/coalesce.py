"""Concurrent reads of the same key share one round trip, without ever answering a caller
with a read that began before it asked.

A caller arriving while a read of its key is running does not take that read's answer:
the read may have been sent before a write the caller already knows of. It waits for the
next read, which starts when the running one ends (so after the caller arrived), and
which every caller that arrived meanwhile shares. At most one read per key is running,
and under load one read answers many callers; each caller sees the database as it was at
some moment after it asked, as if it had read alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class CoalescedReads(Generic[K, V]):
    def __init__(self, read: Callable[[K], Awaitable[V]]) -> None:
        self._read = read
        self._running: set[K] = set()  # keys with a read under way
        self._next: dict[K, asyncio.Future[V]] = {}  # the batch waiting for the next read
        self._tasks: set[asyncio.Task[None]] = set()

    async def get(self, key: K) -> V:
        batch = self._next.get(key)
        if batch is None:
            if key not in self._running:
                return await self._read_now(key)
            batch = self._next[key] = asyncio.get_running_loop().create_future()
        return await asyncio.shield(batch)  # a caller giving up leaves the batch its read

    async def _read_now(self, key: K) -> V:
        self._running.add(key)
        try:
            return await self._read(key)
        finally:
            self._finished(key)

    def _finished(self, key: K) -> None:
        self._running.discard(key)
        batch = self._next.pop(key, None)
        if batch is not None:
            # Everyone in the batch arrived while the last read ran: this read starts after
            # all of them. Marked as running now, so later callers form the next batch.
            self._running.add(key)
            task = asyncio.get_running_loop().create_task(self._read_for(key, batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _read_for(self, key: K, batch: asyncio.Future[V]) -> None:
        try:
            value = await self._read(key)
        except Exception as error:
            if not batch.done():
                batch.set_exception(error)
                batch.exception()  # retrieved: every waiter may have given up
        else:
            if not batch.done():
                batch.set_result(value)
        finally:
            if not batch.done():  # cancelled at shutdown: so are they
                batch.cancel()
            self._finished(key)
