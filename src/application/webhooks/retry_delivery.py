from uuid import UUID

from application.errors import NotFound
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from domain.webhooks.delivery import Delivery


class RetryWebhookDelivery:
    """Makes a delivery due now; a failed one gets one more attempt. A delivery that
    succeeded is never sent again (`DeliveryAlreadySucceeded`)."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    async def execute(self, workspace_id: UUID, endpoint_id: UUID, delivery_id: UUID) -> Delivery:
        now = self.clock.now()
        async with self.uow:
            delivery = await self.uow.webhook_deliveries.get(
                workspace_id, endpoint_id, delivery_id, for_update=True
            )
            if delivery is None:
                raise NotFound(str(delivery_id))
            delivery.retry_now(now)
            await self.uow.webhook_deliveries.save(delivery)
            await self.uow.commit()
        return delivery
