"""Gives claimed targets back before any of them was sent: each is pending again and due
at once, its attempt uncounted, so another worker (or this one, later) sends it. A worker
does this with the targets it claimed ahead of its free slots, when it stops or when they
have waited too long for a slot; left to expire, their leases would fail them
`outcome_unknown` though nothing was sent.

Each post is locked and decided by its entity (`PostTarget.release`): a target no longer
publishing on the claimed attempt (its lease expired meanwhile) is left as it is."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from uuid import UUID

from application.ports.clock import Clock
from application.ports.publish_queue import ClaimedTarget
from application.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger("openpost.publisher")


class ReleaseClaims:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory, self.clock = uow_factory, clock

    async def execute(self, claimed: Sequence[ClaimedTarget]) -> int:
        """Returns how many were given back; one transaction per post."""
        by_post: dict[UUID, list[ClaimedTarget]] = defaultdict(list)
        for target in claimed:
            by_post[target.post_id].append(target)
        released = 0
        for post_id, targets in by_post.items():
            async with self.uow_factory() as uow:
                post = await uow.posts.get_any(post_id, for_update=True)
                if post is None:
                    continue
                now = self.clock.now()
                done = [t for t in targets if post.release(t.target_id, t.attempts, now)]
                if not done:
                    continue
                await uow.posts.save(post)
                await uow.commit()
            released += len(done)
        if released < len(claimed):
            log.warning("%d claimed targets were no longer ours to give back",
                        len(claimed) - released)  # fmt: skip
        return released
