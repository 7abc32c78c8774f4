"""The loop both workers run: the publisher (`worker.py`) and the webhook deliverer
(`webhook_worker.py`) differ only in what they claim and what they do with it.

Every pass runs the loop's housekeeping (`before_claim`), then claims as many items as
there are free slots (`concurrency`) and handles each in its own task. Only a claim that
took all it asked for, with a share's worth of room (`wake_share` of the slots held) still
free, is followed at once by another; otherwise the loop waits until `stop`, the next
poll, or, while work is in flight, until that much room is free (after a claim that took
all it asked for) or a share of the work has finished: a claim per freed slot would cost
more than the work, and with every slot taken only finished work can make room (no poll
then). A failed pass is
logged and tried again after `ERROR_PAUSE_S`.
An item holds its slot until its task ends, or until it gives the slot up itself
(`release_slot`: the publisher does once the platform has answered, so the next target is
on its way while the outcome is written); the tasks that gave theirs up still count
towards a bound of twice the concurrency, and towards the shutdown's grace.
When `stop` is set no more is claimed, even by a pass already under way (a claim already
sent completes, and what it took is handled within the grace); the tasks in flight get
`grace_s` to finish and are then cancelled: their leases expire, and each loop's own rules
say what becomes of them.

A loop may claim ahead (`ready`): up to that many items beyond its free slots wait, leased,
and the next one starts the moment a slot frees, rather than a claim's round trip later;
the share that wakes a claim then counts them as room too. Items claimed ahead are never
left to expire: those that waited `ready_for` without a slot, and all of them once `stop`
is set (none starts after that), are given back (`give_back`, which undoes their claim).
After items went stale none is claimed ahead until a slot frees: with every slot stuck on
a hung platform, the same items would otherwise be claimed and given back over and over.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from adapters.clock import SystemClock
from application.ports.clock import Clock

ERROR_PAUSE_S = 2.0

Item = TypeVar("Item")


class ClaimLoop(ABC, Generic[Item]):
    name: str  # for the logs: "publisher"
    work: str  # what is in flight, plural: "publishes"
    logger: logging.Logger

    def __init__(
        self,
        concurrency: int,
        wake_share: float,
        *,
        ready: int = 0,
        ready_for: timedelta = timedelta(seconds=5),
        clock: Clock | None = None,
    ) -> None:
        self.concurrency = max(1, concurrency)
        self.wake_share = wake_share
        self.ready, self.ready_for = max(0, ready), ready_for
        self.clock = clock or SystemClock()
        if self.ready and type(self).give_back is ClaimLoop.give_back:
            raise TypeError(f"{type(self).__name__} claims ahead but cannot give back")
        self.in_flight: set[asyncio.Task[None]] = set()
        self._holding: set[asyncio.Task[None]] = set()  # in flight and holding a slot
        self._waiting: deque[tuple[datetime, Item]] = deque()  # claimed ahead, when
        self._stop: asyncio.Event | None = None
        self._took_all = False  # the last claim took as many as it asked for
        self._stalled = False  # items went stale: none claimed ahead until a slot frees
        self._wake_room: int | None = None  # a wait ends once there is this much room
        self._room_made = asyncio.Event()

    @abstractmethod
    async def claim(self, limit: int) -> Sequence[Item]:
        """Takes up to `limit` due items, leased to this worker."""

    @abstractmethod
    async def handle(self, item: Item) -> None:
        """Does the work of one claimed item, logging its own failures (what escapes is
        logged without the item, which may hold secrets)."""

    async def give_back(self, items: Sequence[Item]) -> None:
        """Undoes the claim of `items`, none of which was started (a loop that claims
        ahead must say how)."""
        raise NotImplementedError

    async def before_claim(self) -> None:
        """Housekeeping at the start of every pass."""

    async def run(self, stop: asyncio.Event, poll_interval_s: float, grace_s: float) -> None:
        self.logger.info("%s started (concurrency %d)", self.name, self.concurrency)
        self._stop = stop
        try:
            while not stop.is_set():
                pause = poll_interval_s
                try:
                    claimed = await self.run_once(stop)
                except Exception:
                    self.logger.exception("%s pass failed; trying again in %.0f s", self.name,
                                       ERROR_PAUSE_S)  # fmt: skip
                    claimed, pause = 0, max(poll_interval_s, ERROR_PAUSE_S)
                    self._took_all = False
                full = self._room() <= 0
                if claimed and self._took_all and self._room() >= self._step():
                    continue  # more may be due right now
                await self._wait(stop, self._timeout(None if full else pause))
        finally:
            await self._give_back(len(self._waiting), "stopping")
        if self.in_flight:
            self.logger.info("stopping: %d %s in flight, waiting up to %.0f s",
                          len(self.in_flight), self.work, grace_s)  # fmt: skip
        await self.drain(grace_s)
        self.logger.info("%s stopped", self.name)

    async def run_once(self, stop: asyncio.Event | None = None) -> int:
        """One pass; returns how many items it started on."""
        await self.before_claim()
        await self._give_back_stale()
        room = self._room()
        if room <= 0 or (stop is not None and stop.is_set()):
            return 0
        claimed = await self.claim(room)
        self._took_all = len(claimed) >= room
        if claimed:
            at = self.clock.now()
            self._waiting.extend((at, item) for item in claimed)
            self._start_waiting()
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
            self._stalled = False
            self._start_waiting()
            self._note_room()

    def wake_at(self, in_flight: int) -> int:
        """How many may still hold slots when a wait for room ends."""
        return in_flight - max(1, int(in_flight * self.wake_share))

    @property
    def claimed_ahead(self) -> int:
        """How many claimed items wait for a slot."""
        return len(self._waiting)

    def _step(self) -> int:
        """How much room a wait for room waits for: the share of the slots held."""
        holding = len(self._holding)
        return holding - self.wake_at(holding)

    def _free(self) -> int:
        """Free slots."""
        return min(
            self.concurrency - len(self._holding), 2 * self.concurrency - len(self.in_flight)
        )

    def _room(self) -> int:
        """How many the next claim may take: the free slots, and what may wait for one
        (nothing, after items went stale, until a slot frees)."""
        ahead = 0 if self._stalled else self.ready - len(self._waiting)
        return self._free() + ahead

    def _start_waiting(self) -> None:
        """Starts claimed items while there are free slots; once stopped, none that can be
        given back."""
        if self.ready and self._stop is not None and self._stop.is_set():
            return
        while self._waiting and self._free() > 0:
            _, item = self._waiting.popleft()
            task = asyncio.create_task(self._handle(item))
            self.in_flight.add(task)
            self._holding.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.in_flight.discard(task)
        self._holding.discard(task)
        self._stalled = False
        self._start_waiting()
        self._note_room()

    def _note_room(self) -> None:
        if self._wake_room is not None and self._room() >= self._wake_room:
            self._room_made.set()

    def _timeout(self, pause_s: float | None) -> float | None:
        """The wait's timeout: the pause, or sooner when a claimed item would go stale."""
        if not self._waiting:
            return pause_s
        stale_in = (self._waiting[0][0] + self.ready_for - self.clock.now()).total_seconds()
        return max(0.0, stale_in if pause_s is None else min(pause_s, stale_in))

    async def _give_back_stale(self) -> None:
        oldest = self.clock.now() - self.ready_for
        stale = 0
        while stale < len(self._waiting) and self._waiting[stale][0] <= oldest:
            stale += 1
        if stale:
            self._stalled = True  # the slots are stuck: claiming ahead again would churn
        await self._give_back(stale, "waited too long for a slot")

    async def _give_back(self, count: int, why: str) -> None:
        """Gives back the `count` items claimed first and still waiting. They leave the
        queue before the store is asked, so no freed slot can start one meanwhile; if
        giving back fails, their leases expire."""
        if count <= 0:
            return
        items = [self._waiting.popleft()[1] for _ in range(count)]
        try:
            await self.give_back(items)
        except Exception:
            self.logger.exception("%s: giving back %d claimed %s failed; their leases will"
                                  " expire", self.name, count, self.work)  # fmt: skip
            return
        self.logger.info("%s: gave back %d claimed %s (%s)", self.name, count, self.work, why)

    async def _wait(self, stop: asyncio.Event, timeout_s: float | None) -> None:
        """Until `stop`, or `wake_share` of the work in flight has finished, or else
        `timeout_s` (None: no timeout)."""
        self._room_made.clear()
        waits = [asyncio.ensure_future(stop.wait())]
        if self.in_flight:
            # After a claim that took all it asked for, more is due: the share's worth of
            # room is waited for, counting what there is now.
            self._wake_room = self._step() + (0 if self._took_all else self._room())
            waits.append(asyncio.ensure_future(self._room_made.wait()))
        try:
            await asyncio.wait(waits, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._wake_room = None
            for waiting in waits:
                waiting.cancel()
