"""The publishers' backlog over `MemoryStore`."""

from __future__ import annotations

from datetime import datetime

from adapters.persistence.memory.store import MemoryStore
from application.ports.publish_backlog import Backlog, PublishBacklog
from domain.post_target import TargetStatus


class MemoryPublishBacklog(PublishBacklog):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def due_unclaimed(self, now: datetime) -> Backlog:
        async with self.store.lock:
            due = [
                target.next_attempt_at
                for post in self.store.posts.values()
                for target in post.targets
                if target.status is TargetStatus.PENDING
                and target.next_attempt_at is not None
                and target.next_attempt_at <= now
            ]
        return Backlog(len(due), min(due, default=None))
