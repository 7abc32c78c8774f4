"""In-memory posts, publish queue and idempotency keys over `MemoryStore`.

Entities are copied in and out, so a caller's changes land only through `save`."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from application.ports.idempotency import IdempotencyRecord, IdempotencyStore, StoredResponse
from application.ports.posts import PostFilter, PostRepository
from application.ports.publish_queue import ClaimedTarget, PublishQueue
from domain.post import Post
from domain.post_target import TargetStatus


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


class MemoryPublishQueue(PublishQueue):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[ClaimedTarget]:
        due = sorted(
            (
                (target.next_attempt_at, post, target)
                for post in self.store.posts.values()
                for target in post.targets
                if target.status is TargetStatus.PENDING
                and target.next_attempt_at is not None
                and target.next_attempt_at <= now
            ),
            key=lambda row: (row[0], row[2].id),
        )[:limit]
        claimed = []
        for _, post, target in due:
            post.claim(target.id, now, lease)
            claimed.append(
                ClaimedTarget(
                    post_id=post.id,
                    target_id=target.id,
                    workspace_id=post.workspace_id,
                    integration_id=target.integration_id,
                    platform=target.platform,
                    content=target.content,
                    attempts=target.attempts,
                    media_ids=post.media_for(target.platform),
                    parts=tuple(copy.deepcopy(target.parts)),
                    links=target.links,
                )
            )
        return claimed

    async def expired_leases(self, now: datetime, limit: int) -> list[tuple[UUID, UUID]]:
        return [
            (post.id, target.id)
            for post in self.store.posts.values()
            for target in post.targets
            if target.status is TargetStatus.PUBLISHING
            and target.lease_expires_at is not None
            and target.lease_expires_at <= now
        ][:limit]


class MemoryIdempotencyStore(IdempotencyStore):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def take(
        self,
        workspace_id: UUID,
        key: str,
        fingerprint: str,
        now: datetime,
        replace_before: datetime,
        abandoned_before: datetime,
    ) -> IdempotencyRecord | None:
        found = self.store.idempotency.get((workspace_id, key))
        if found is not None and not found.is_stale(replace_before, abandoned_before):
            return found
        self.store.idempotency[(workspace_id, key)] = IdempotencyRecord(fingerprint, now, None)
        return None

    async def attach(self, workspace_id: UUID, key: str, resource_id: UUID) -> UUID | None:
        found = self.store.idempotency.get((workspace_id, key))
        if found is None:
            return None
        if found.resource_id is not None:
            return found.resource_id if found.resource_id != resource_id else None
        self.store.idempotency[(workspace_id, key)] = replace(found, resource_id=resource_id)
        return None

    async def complete(self, workspace_id: UUID, key: str, response: StoredResponse) -> None:
        found = self.store.idempotency.get((workspace_id, key))
        if found is not None:
            self.store.idempotency[(workspace_id, key)] = replace(found, response=response)

    async def release(self, workspace_id: UUID, key: str) -> None:
        self.store.idempotency.pop((workspace_id, key), None)

    async def purge(self, created_before: datetime) -> int:
        old = [k for k, v in self.store.idempotency.items() if v.created_at < created_before]
        for k in old:
            del self.store.idempotency[k]
        return len(old)

