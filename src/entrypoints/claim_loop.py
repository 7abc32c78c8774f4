"""The loop both workers run: the publisher (`worker.py`) and the webhook deliverer
(`webhook_worker.py`) differ only in what they claim and what they do with it.

Every pass runs the loop's housekeeping (`before_claim`), then claims as many items as
there are free slots (`concurrency`) and handles each in its own task. Only a claim that
took all it asked for, with slots still free, is followed at once by another; otherwise
the loop waits until `stop`, the next poll, or, while work is in flight, until a share of
it (`wake_share`) has finished: a claim per freed slot would cost more than the work, and
with every slot taken only finished work can make room (no poll then). A failed pass is
logged and tried again after `ERROR_PAUSE_S`.
An item holds its slot until its task ends, or until it gives the slot up itself
(`release_slot`: the publisher does once the platform has answered, so the next target is
on its way while the outcome is written); the tasks that gave theirs up still count
towards a bound of twice the concurrency, and towards the shutdown's grace.
When `stop` is set no more is claimed, even by a pass already under way (a claim already
sent completes, and what it took is handled within the grace); the tasks in flight get
`grace_s` to finish and are then cancelled: their leases expire, and each loop's own rules
say what becomes of them.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Generic, TypeVar

ERROR_PAUSE_S = 2.0

Item = TypeVar("Item")


class ClaimLoop(ABC, Generic[Item]):
    name: str  # for the logs: "publisher"
    work: str  # what is in flight, plural: "publishes"
    logger: logging.Logger

    def __init__(self, concurrency: int, wake_share: float) -> None:
        self.concurrency = max(1, concurrency)
        self.wake_share = wake_share
        self.in_flight: set[asyncio.Task[None]] = set()
        self._holding: set[asyncio.Task[None]] = set()  # in flight and holding a slot
        self._took_all = False  # the last claim took as many as it asked for
        self._wake_free: int | None = None  # a wait ends once this many slots are free
        self._room = asyncio.Event()

    @abstractmethod
    async def claim(self, limit: int) -> Sequence[Item]:
        """Takes up to `limit` due items, leased to this worker."""

    @abstractmethod
    async def handle(self, item: Item) -> None:
        """Does the work of one claimed item, logging its own failures (what escapes is
        logged without the item, which may hold secrets)."""

    async def before_claim(self) -> None:
        """Housekeeping at the start of every pass."""

    async def run(self, stop: asyncio.Event, poll_interval_s: float, grace_s: float) -> None:
        self.logger.info("%s started (concurrency %d)", self.name, self.concurrency)
        while not stop.is_set():
            pause = poll_interval_s
            try:
                claimed = await self.run_once(stop)
            except Exception:
                self.logger.exception("%s pass failed; trying again in %.0f s", self.name,
                                   ERROR_PAUSE_S)  # fmt: skip
                claimed, pause = 0, max(poll_interval_s, ERROR_PAUSE_S)
            full = self._free() <= 0
            if claimed and self._took_all and not full:
                continue  # more may be due right now
            await self._wait(stop, None if full else pause)
        if self.in_flight:
            self.logger.info("stopping: %d %s in flight, waiting up to %.0f s",
                          len(self.in_flight), self.work, grace_s)  # fmt: skip
        await self.drain(grace_s)
        self.logger.info("%s stopped", self.name)

    async def run_once(self, stop: asyncio.Event | None = None) -> int:
        """One pass; returns how many items it started on."""
        await self.before_claim()
        free = self._free()
        if free <= 0 or (stop is not None and stop.is_set()):
            return 0
        claimed = await self.claim(free)
        self._took_all = len(claimed) >= free
        for item in claimed:
            task = asyncio.create_task(self._handle(item))
            self.in_flight.add(task)
            self._holding.add(task)
            task.add_done_callback(self._finished)
        return len(claimed)

    async def drain(self, timeout_s: float | None = None) -> None:
        """Waits for the tasks in flight; cancels those still running after the timeout."""
        if not self.in_flight:
            return
        _, pending = await asyncio.wait(set(self.in_flight), timeout=timeout_s)
        for task in pending:
            task.cancel()
        if pending:
            self.logger.warning("%d %s cut short at shutdown; their leases will expire",
                             len(pending), self.work)  # fmt: skip
            await asyncio.gather(*pending, return_exceptions=True)

    async def _handle(self, item: Item) -> None:
        try:
            await self.handle(item)
        except Exception:
            self.logger.exception("%s: a claimed item failed; its lease will expire", self.name)

    def release_slot(self) -> None:
        """Called by `handle`: the rest of this item's work does not hold its slot."""
        task = asyncio.current_task()
        if task is not None and task in self._holding:
            self._holding.discard(task)
            self._note_room()

    def wake_at(self, in_flight: int) -> int:
        """How many may still hold slots when a wait for room ends."""
        return in_flight - max(1, int(in_flight * self.wake_share))

    def _free(self) -> int:
        return min(
            self.concurrency - len(self._holding), 2 * self.concurrency - len(self.in_flight)
        )

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.in_flight.discard(task)
        self._holding.discard(task)
        self._note_room()

    def _note_room(self) -> None:
        if self._wake_free is not None and self._free() >= self._wake_free:
            self._room.set()

    async def _wait(self, stop: asyncio.Event, timeout_s: float | None) -> None:
        """Until `stop`, or `wake_share` of the work in flight has finished, or else
        `timeout_s` (None: no timeout)."""
        self._room.clear()
        waits = [asyncio.ensure_future(stop.wait())]
        if self.in_flight:
            holding = len(self._holding)
            self._wake_free = self._free() + holding - self.wake_at(holding)
            waits.append(asyncio.ensure_future(self._room.wait()))
        try:
            await asyncio.wait(waits, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._wake_free = None
            for waiting in waits:
                waiting.cancel()
