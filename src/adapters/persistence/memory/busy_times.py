"""The busy times that block an integration's slots, over `MemoryStore`."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from application.ports.busy_times import BusyTimeReader

BUSY_STATUSES = ("pending", "publishing")


class MemoryBusyTimeReader(BusyTimeReader):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def busy_times(
        self,
        integration_id: UUID,
        start: datetime,
        end: datetime,
        *,
        excluding_post: UUID | None = None,
    ) -> list[datetime]:
        rows = [
            (t.integration_id, t.scheduled_at, t.status.value)
            for post in self.store.posts.values()
            if post.id != excluding_post
            for t in post.targets
        ]
        return sorted(
            at
            for owner, at, status in [*rows, *self.store.targets]
            if owner == integration_id
            and status in BUSY_STATUSES
            and at is not None
            and start <= at <= end
        )

    async def hold(self, integration_ids: Collection[UUID]) -> None:
        """Nothing to do: a memory unit of work holds the store's lock from start to end."""
