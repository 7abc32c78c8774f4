"""In-memory media rows over `MemoryStore`; entities are copied in and out."""

from __future__ import annotations

import copy
from collections.abc import Collection
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from application.ports.media import MediaRepository
from domain.media import Media


class MemoryMediaRepository(MediaRepository):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def add(self, media: Media) -> None:
        if media.id in self.store.media:
            raise ValueError(f"media {media.id} exists")
        self.store.media[media.id] = copy.deepcopy(media)

    async def save(self, media: Media) -> None:
        self.store.media[media.id] = copy.deepcopy(media)

    async def get(self, workspace_id: UUID, media_id: UUID) -> Media | None:
        found = self.store.media.get(media_id)
        if found is None or found.workspace_id != workspace_id:
            return None
        return copy.deepcopy(found)

    async def get_many(self, workspace_id: UUID, media_ids: Collection[UUID]) -> list[Media]:
        found = (self.store.media.get(i) for i in set(media_ids))
        return [copy.deepcopy(m) for m in found if m and m.workspace_id == workspace_id]

    async def list(
        self, workspace_id: UUID, limit: int, starting_after: Media | None = None
    ) -> list[Media]:
        rows = sorted(
            (m for m in self.store.media.values() if m.workspace_id == workspace_id),
            key=lambda m: (m.created_at, m.id),
            reverse=True,
        )
        if starting_after is not None:
            cursor = (starting_after.created_at, starting_after.id)
            rows = [m for m in rows if (m.created_at, m.id) < cursor]
        return [copy.deepcopy(m) for m in rows[:limit]]

    async def delete(self, workspace_id: UUID, media_id: UUID) -> None:
        found = self.store.media.get(media_id)
        if found is not None and found.workspace_id == workspace_id:
            del self.store.media[media_id]

    async def in_use(self, workspace_id: UUID, media_id: UUID) -> bool:
        return any(
            post.workspace_id == workspace_id
            and post.uses_media
            and media_id in post.attached_media_ids
            for post in self.store.posts.values()
        )
