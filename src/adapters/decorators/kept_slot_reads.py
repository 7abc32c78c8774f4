"""Slot reads that keep what they read while it is current.

Next-slot's answer depends on the clock, so it cannot be kept as bytes the way the list
is; what it is computed from can. Per integration, this keeps the integration, its queue
and its busy times, each with the integration's slot revision (the `SlotRevisions` port)
read before it. A call reads the current revision (a few indexed rows, from the driver)
and, when it equals the kept one, answers from what is kept: nothing the slot depends on
has been written since, by any process, as every such write moves the revision on in its
own transaction. Otherwise it reads through the inner reads and keeps that. So what it
answers is never older than the moment of the call; it only saves the reads.

Busy times are kept for a window reaching `read_ahead` past the one asked for, so the
calls of the next `read_ahead` (their window slides with the clock) are answered by
cutting the kept list, exactly as the query would have cut it.

Bounded by the number of busy times kept; the entry kept longest goes first.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self
from uuid import UUID

from application.ports.queues import StoredQueue
from application.ports.revisions import SlotRevisions
from application.ports.slot_reads import SlotReads, SlotReadsFactory
from domain.integration import Integration

READ_AHEAD = timedelta(hours=1)
MAX_KEPT_TIMES = 200_000


class _Unread:
    """A queue not read yet (None means read: the integration has none)."""


UNREAD = _Unread()


@dataclass(slots=True)
class _Kept:
    revision: int
    workspace_id: UUID
    integration: Integration
    queue: StoredQueue | _Unread | None = UNREAD
    busy: list[datetime] | None = None
    start: datetime | None = None  # the window `busy` was read for
    end: datetime | None = None

    @property
    def key(self) -> tuple[UUID, UUID]:
        return self.workspace_id, self.integration.id


class KeptSlotReads(SlotReadsFactory):
    def __init__(
        self,
        inner: SlotReadsFactory,
        revisions: SlotRevisions,
        *,
        read_ahead: timedelta = READ_AHEAD,
        max_times: int = MAX_KEPT_TIMES,
    ) -> None:
        self.inner = inner
        self.revisions = revisions
        self.read_ahead = read_ahead
        self.max_times = max_times
        self._kept: dict[tuple[UUID, UUID], _Kept] = {}
        self._times = 0  # busy times kept, over all entries

    def __call__(self) -> SlotReads:
        return _KeptReads(self)

    def __len__(self) -> int:
        return len(self._kept)

    def current(self, workspace_id: UUID, integration_id: UUID, revision: int) -> _Kept | None:
        found = self._kept.get((workspace_id, integration_id))
        return found if found is not None and found.revision == revision else None

    def keep(self, kept: _Kept) -> None:
        old = self._kept.pop(kept.key, None)
        if old is not None and old.busy is not None:
            self._times -= len(old.busy)
        self._kept[kept.key] = kept
        if kept.busy is not None:
            self._times += len(kept.busy)

    def keep_busy(self, kept: _Kept, busy: list[datetime], start: datetime, end: datetime) -> None:
        """`kept`'s busy times (for [start, end]) replaced; the entries kept longest are
        dropped beyond the bound."""
        held = self._kept.get(kept.key) is kept
        if held and kept.busy is not None:
            self._times -= len(kept.busy)
        kept.busy, kept.start, kept.end = busy, start, end
        if held:
            self._times += len(busy)
        while self._times > self.max_times and self._kept:
            dropped = self._kept.pop(next(iter(self._kept)))
            if dropped.busy is not None:
                self._times -= len(dropped.busy)


class _KeptReads(SlotReads):
    """One call's reads. The integration is asked for first (the revision is read then);
    the queue and busy times of that integration come from what is kept with it, the rest
    through the inner reads, opened only when needed."""

    def __init__(self, owner: KeptSlotReads) -> None:
        self.owner = owner
        self._kept: _Kept | None = None
        self._inner: SlotReads | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._inner is not None:
            inner, self._inner = self._inner, None
            await inner.__aexit__(exc_type, exc, tb)

    async def _through(self) -> SlotReads:
        if self._inner is None:
            inner = self.owner.inner()
            await inner.__aenter__()
            self._inner = inner
        return self._inner

    async def integration(self, workspace_id: UUID, integration_id: UUID) -> Integration | None:
        revision = await self.owner.revisions.of_integration(integration_id)
        kept = self.owner.current(workspace_id, integration_id, revision)
        if kept is None:
            found = await (await self._through()).integration(workspace_id, integration_id)
            if found is None:
                self._kept = None
                return None
            kept = _Kept(revision, workspace_id, found)
            self.owner.keep(kept)
        self._kept = kept
        return kept.integration

    def _kept_for(self, integration_id: UUID) -> _Kept | None:
        kept = self._kept
        return kept if kept is not None and kept.integration.id == integration_id else None

    async def queue(self, integration_id: UUID) -> StoredQueue | None:
        kept = self._kept_for(integration_id)
        if kept is None:
            return await (await self._through()).queue(integration_id)
        if isinstance(kept.queue, _Unread):
            kept.queue = await (await self._through()).queue(integration_id)
        return kept.queue

    async def busy_times(
        self, integration_id: UUID, start: datetime, end: datetime
    ) -> list[datetime]:
        kept = self._kept_for(integration_id)
        if kept is None:
            return await (await self._through()).busy_times(integration_id, start, end)
        if (
            kept.busy is None
            or kept.start is None
            or kept.end is None
            or start < kept.start
            or end > kept.end
        ):
            ahead = end + self.owner.read_ahead
            busy = await (await self._through()).busy_times(integration_id, start, ahead)
            self.owner.keep_busy(kept, busy, start, ahead)
        else:
            busy = kept.busy
        return busy[bisect_left(busy, start) : bisect_right(busy, end)]
