from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWorkFactory
from application.ports.webhook_deliveries import ClaimedDelivery
from application.webhooks.policy import DeliveryPolicy


class ClaimDeliveries:
    """Takes up to `limit` due deliveries for this worker, each leased and counted as an
    attempt, never more than `per_endpoint` in flight per endpoint across all workers.
    The claim is committed before anything is sent, so a worker that dies leaves leases
    that expire and the attempts are made again (at least once)."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, policy: DeliveryPolicy
    ) -> None:
        self.uow_factory, self.clock, self.policy = uow_factory, clock, policy

    async def execute(self, limit: int) -> list[ClaimedDelivery]:
        if limit <= 0:
            return []
        now = self.clock.now()
        async with self.uow_factory() as uow:
            claimed = await uow.delivery_queue.claim_due(
                now, self.policy.lease, limit, self.policy.per_endpoint
            )
            await uow.commit()
        return claimed
