"""Next-slot answers rendered to JSON bytes, kept while they provably hold.

The answer follows the clock, so unlike the list's it cannot be kept by a revision alone.
Each is kept with the integration's slot revision (the `SlotRevisions` port), read before
the slot was found, and with the moment it was found for. A request reads the current
revision (a few indexed rows) and the clock. When the revision is the kept one, nothing
the slot depends on has been written since, by any process; when also
`still_first(found_at, slot, now)`, a search at `now` finds the same slot
(`domain.queue_slots` says why, a property test checks it against the search). Then the
kept bytes are the answer, the very bytes a fresh search would render. Otherwise the use
case finds the slot as of `now`, and that is kept. So no answer is older than its request;
what is saved is the search, its reads and the rendering. Revisions only ever grow, so an
answer found from a newer revision than the one it is kept with is never served: the
current revision can no longer equal the kept one.

Refusals (404, 409) are raised as they come, never kept. Bounded by the number of answers
kept; the one kept longest goes first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import msgspec

from application.find_next_slot import FindNextSlot, Slot
from application.ports.clock import Clock
from application.ports.revisions import SlotRevisions
from domain.queue_slots import still_first
from entrypoints.http.schemas import slot_out

ANSWER_BYTES = 512  # about what one kept answer holds (key, times, body), for the bound


@dataclass(frozen=True, slots=True)
class _Kept:
    revision: int
    found_at: datetime
    slot: datetime
    body: bytes


def render(slot: Slot) -> bytes:
    return msgspec.json.encode(slot_out(slot))


class RenderedSlots:
    def __init__(
        self,
        use_case: FindNextSlot,
        revisions: SlotRevisions,
        clock: Clock,
        max_answers: int,
    ) -> None:
        self.use_case = use_case
        self.revisions = revisions
        self.clock = clock
        self.max_answers = max_answers
        self._kept: dict[tuple[UUID, UUID], _Kept] = {}

    async def answer(self, workspace_id: UUID, integration_id: UUID) -> bytes:
        """The next slot's bytes as of this call: kept ones while they hold, else found and
        kept. With no room to keep any, the revision is not read at all."""
        if self.max_answers <= 0:
            return render(await self.use_case.execute(workspace_id, integration_id))
        revision = await self.revisions.of_integration(integration_id)
        now = self.clock.now()
        key = (workspace_id, integration_id)
        kept = self._kept.get(key)
        if (
            kept is not None
            and kept.revision == revision
            and still_first(kept.found_at, kept.slot, now)
        ):
            return kept.body
        slot = await self.use_case.at(now, workspace_id, integration_id)
        body = render(slot)
        self._keep(key, _Kept(revision, now, slot.date, body))
        return body

    def _keep(self, key: tuple[UUID, UUID], kept: _Kept) -> None:
        self._kept.pop(key, None)
        while self._kept and len(self._kept) >= self.max_answers:
            del self._kept[next(iter(self._kept))]
        self._kept[key] = kept

    def __len__(self) -> int:
        return len(self._kept)
