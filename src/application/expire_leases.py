import logging

from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.webhook_events import target_events
from domain.outcomes import LeaseExpired

log = logging.getLogger("openpost.publisher")


class ExpireLeases:
    """Targets whose worker died mid-send fail `outcome_unknown` once their lease has
    expired: they may have been posted, so they are never sent again. Each post is locked
    and decided by its entity, so a worker that answers at the last moment still wins."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory, self.clock = uow_factory, clock

    async def execute(self, limit: int = 100) -> int:
        now = self.clock.now()
        async with self.uow_factory() as uow:
            expired = await uow.publish_queue.expired_leases(now, limit)
        for post_id, target_id in expired:
            async with self.uow_factory() as uow:
                post = await uow.posts.get_any(post_id, for_update=True)
                if post is None:
                    continue
                before = post.target(target_id).status
                post.record(target_id, LeaseExpired(), now)
                await uow.posts.save(post)
                await uow.outbox.record(*target_events(post, target_id, before, now))
                await uow.commit()
            log.warning("lease of target %s expired: outcome_unknown", target_id)
        return len(expired)
