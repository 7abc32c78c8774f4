"""Coalesced reads: one read per key at a time, shared by the callers who arrived while the
previous one ran, and never a read that began before its caller asked."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.coalesce import CoalescedReads


class Store:
    """A value per key that writers move on; each read is released by the test."""

    def __init__(self) -> None:
        self.value = 0
        self.reads = 0
        self.gates: list[asyncio.Event] = []

    async def read(self, key: str) -> int:
        self.reads += 1
        gate = asyncio.Event()
        self.gates.append(gate)
        await gate.wait()
        return self.value  # what the database holds when the read runs, after its gate

    async def release(self, index: int) -> None:
        while len(self.gates) <= index:
            await asyncio.sleep(0)
        self.gates[index].set()
        for _ in range(5):
            await asyncio.sleep(0)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_caller_arriving_during_a_read_waits_for_the_next_one() -> None:
    store = Store()
    reads = CoalescedReads(store.read)
    first = asyncio.create_task(reads.get("w"))
    await settle()
    store.value = 1  # a write commits while the first read is under way...
    second = asyncio.create_task(reads.get("w"))  # ...and then this caller asks
    await settle()
    await store.release(0)
    assert await first in (0, 1)
    assert not second.done()  # the first read may predate the write: not good enough
    await store.release(1)
    assert await second == 1
    assert store.reads == 2


async def test_the_callers_of_one_batch_share_one_read() -> None:
    store = Store()
    reads = CoalescedReads(store.read)
    first = asyncio.create_task(reads.get("w"))
    await settle()
    batch = [asyncio.create_task(reads.get("w")) for _ in range(20)]
    await settle()
    await store.release(0)
    await store.release(1)
    await asyncio.gather(first, *batch)
    assert store.reads == 2


async def test_keys_do_not_wait_for_each_other() -> None:
    store = Store()
    reads = CoalescedReads(store.read)
    a = asyncio.create_task(reads.get("a"))
    b = asyncio.create_task(reads.get("b"))
    await settle()
    assert store.reads == 2
    await store.release(0)
    await store.release(1)
    assert (await a, await b) == (0, 0)


async def test_a_failed_read_fails_its_callers_and_the_next_batch_reads_again() -> None:
    calls = 0

    async def read(key: str) -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        if calls == 2:
            raise ConnectionError("database gone")
        return calls

    reads = CoalescedReads(read)
    first = asyncio.create_task(reads.get("w"))
    second = asyncio.create_task(reads.get("w"))  # joins the batch after the first read
    assert await first == 1
    with pytest.raises(ConnectionError):
        await second
    assert await reads.get("w") == 3


async def test_a_caller_giving_up_leaves_the_others_their_answer() -> None:
    store = Store()
    reads = CoalescedReads(store.read)
    first = asyncio.create_task(reads.get("w"))
    await settle()
    quitter = asyncio.create_task(reads.get("w"))
    stayer = asyncio.create_task(reads.get("w"))
    await settle()
    quitter.cancel()
    await store.release(0)
    store.value = 7
    await store.release(1)
    assert await first == 0 and await stayer == 7
    with pytest.raises(asyncio.CancelledError):
        await quitter


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["ask", "write", "finish"]), min_size=1, max_size=40))
def test_no_caller_ever_sees_a_value_older_than_it_knew(steps: list[str]) -> None:
    """Callers ask, writers write, reads finish, in any order: each answer is at least the
    value committed when its caller asked."""

    async def scenario() -> None:
        store = Store()
        reads = CoalescedReads(store.read)
        asked: list[tuple[int, asyncio.Task[int]]] = []
        released = 0
        for step in steps:
            if step == "ask":
                asked.append((store.value, asyncio.create_task(reads.get("w"))))
            elif step == "write":
                store.value += 1
            elif released < len(store.gates):
                store.gates[released].set()
                released += 1
            await settle()
        while any(not task.done() for _, task in asked):
            for gate in store.gates:
                gate.set()
            await settle()
        for known, task in asked:
            assert task.result() >= known
        assert store.reads <= 2 * max(1, len(asked))

    asyncio.run(scenario())
