"""The publish queue over `MemoryStore`."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from application.ports.publish_queue import ClaimedTarget, PublishQueue
from domain.post_target import TargetStatus


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
