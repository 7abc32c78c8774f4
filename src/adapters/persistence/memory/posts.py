"""Posts over `MemoryStore`. Entities are copied in and out, so a caller's changes land
only through `save`."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from application.ports.posts import PartProgress, PostFilter, PostRepository
from domain.post import Post
from domain.post_target import PostTarget, TargetStatus


class MemoryPostRepository(PostRepository):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def add(self, post: Post) -> None:
        if post.id in self.store.posts:
            raise ValueError(f"post {post.id} exists")
        self.store.posts[post.id] = copy.deepcopy(post)

    async def save(self, post: Post) -> None:
        self.store.posts[post.id] = copy.deepcopy(post)

    async def save_many(self, posts: Sequence[Post]) -> None:
        for post in posts:
            await self.save(post)

    async def get(
        self, workspace_id: UUID, post_id: UUID, *, for_update: bool = False
    ) -> Post | None:
        found = self.store.posts.get(post_id)
        if found is None or found.workspace_id != workspace_id:
            return None
        return copy.deepcopy(found)

    async def get_any(self, post_id: UUID, *, for_update: bool = False) -> Post | None:
        found = self.store.posts.get(post_id)
        return copy.deepcopy(found) if found else None

    async def get_many(self, post_ids: Collection[UUID], *, for_update: bool = False) -> list[Post]:
        found = (self.store.posts.get(i) for i in post_ids)
        return [copy.deepcopy(p) for p in found if p is not None]

    async def get_targets(
        self, target_ids: Collection[UUID], *, for_update: bool = False
    ) -> list[PostTarget]:
        wanted = set(target_ids)
        return [
            copy.deepcopy(target)
            for post in self.store.posts.values()
            for target in post.targets
            if target.id in wanted
        ]

    async def write_parts(self, progress: Sequence[PartProgress]) -> set[UUID]:
        targets = {t.id: t for post in self.store.posts.values() for t in post.targets}
        written = set()
        for step in progress:
            target = targets.get(step.target_id)
            if target is None or target.status is not TargetStatus.PUBLISHING:
                continue
            if target.attempts != step.attempt or step.index >= len(target.parts):
                continue
            target.parts[step.index].published(step.platform_post_id, step.url, step.cid)
            if step.index == 0:
                target.platform_post_id, target.platform_post_url = step.platform_post_id, step.url
            target.lease_expires_at, target.updated_at = step.lease_expires_at, step.at
            written.add(target.id)
        return written

    async def save_targets(self, targets: Sequence[PostTarget]) -> None:
        by_id = {target.id: target for target in targets}
        for post in self.store.posts.values():
            post.targets = [
                copy.deepcopy(by_id[t.id]) if t.id in by_id else t for t in post.targets
            ]

    async def list(
        self, where: PostFilter, limit: int, starting_after: Post | None = None
    ) -> list[Post]:
        rows = [
            p
            for p in self.store.posts.values()
            if p.workspace_id == where.workspace_id
            and (where.status is None or p.status is where.status)
            and (where.integration_id is None or where.integration_id in p.integration_ids)
        ]
        rows.sort(key=lambda p: (p.created_at, p.id), reverse=True)
        if starting_after is not None:
            cursor = (starting_after.created_at, starting_after.id)
            rows = [p for p in rows if (p.created_at, p.id) < cursor]
        return [copy.deepcopy(p) for p in rows[:limit]]
