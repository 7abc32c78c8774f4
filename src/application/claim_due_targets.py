from datetime import timedelta

from application.ports.clock import Clock
from application.ports.publish_queue import ClaimedTarget
from application.ports.unit_of_work import UnitOfWorkFactory


class ClaimDueTargets:
    """Takes up to `limit` due targets for this worker, leased for `lease`
    (PUBLISH_LEASE_S). The claim is committed before any of them is sent."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, lease: timedelta) -> None:
        self.uow_factory, self.clock, self.lease = uow_factory, clock, lease

    async def execute(self, limit: int) -> list[ClaimedTarget]:
        if limit <= 0:
            return []
        now = self.clock.now()
        async with self.uow_factory() as uow:
            claimed = await uow.publish_queue.claim_due(now, self.lease, limit)
            await uow.commit()
        return claimed
