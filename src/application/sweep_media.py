"""`SweepMedia`: what a crash leaves in the media store is removed later, by the worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from application.ports.clock import Clock
from application.ports.media_store import MediaStore
from application.ports.unit_of_work import ReadOnlyUnitOfWorkFactory
from domain.media import parse_storage_key

BATCH = 500


@dataclass(frozen=True, slots=True)
class SweepReport:
    partial: int
    """Unfinished writes removed (spooled uploads, unfinished multipart uploads)."""
    orphans: int
    """Stored objects that no media row names, removed."""


class SweepMedia:
    """Removes partial uploads and orphans: stored bytes whose media row was never
    committed (the process died between the two).

    Only what was last written more than `grace` ago is touched. An upload under way is
    newer than that (and the filesystem store also skips files an upload holds open); the
    bytes of an upload whose row is being committed are seconds old. Keys the store holds
    that are not media keys are left alone."""

    def __init__(
        self,
        uows: ReadOnlyUnitOfWorkFactory,
        store: MediaStore,
        clock: Clock,
        grace: timedelta,
    ) -> None:
        self.uows, self.store, self.clock, self.grace = uows, store, clock, grace

    async def execute(self) -> SweepReport:
        cutoff = self.clock.now() - self.grace
        partial = await self.store.remove_partial(cutoff)
        orphans, batch = 0, []
        async for key in self.store.stored_before(cutoff):
            parsed = parse_storage_key(key)
            if parsed is not None:
                batch.append((*parsed, key))
            if len(batch) >= BATCH:
                orphans += await self._remove_orphans(batch)
                batch = []
        if batch:
            orphans += await self._remove_orphans(batch)
        return SweepReport(partial, orphans)

    async def _remove_orphans(self, batch: list[tuple[UUID, UUID, str]]) -> int:
        wanted: dict[UUID, list[UUID]] = {}
        for workspace_id, media_id, _ in batch:
            wanted.setdefault(workspace_id, []).append(media_id)
        known: set[tuple[UUID, UUID]] = set()
        async with self.uows() as uow:
            for workspace_id, ids in wanted.items():
                found = await uow.media.get_many(workspace_id, ids)
                known.update((workspace_id, m.id) for m in found)
        removed = 0
        for workspace_id, media_id, key in batch:
            if (workspace_id, media_id) not in known:
                await self.store.delete(key)
                removed += 1
        return removed
