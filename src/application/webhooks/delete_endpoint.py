from uuid import UUID

from application.errors import NotFound
from application.ports.unit_of_work import UnitOfWork
from domain.webhooks.endpoint import WebhookEndpoint


class DeleteWebhookEndpoint:
    """Deletes the endpoint and its deliveries: nothing more is sent to it."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def execute(self, workspace_id: UUID, endpoint_id: UUID) -> WebhookEndpoint:
        async with self.uow:
            endpoint = await self.uow.webhook_endpoints.get(
                workspace_id, endpoint_id, for_update=True
            )
            if endpoint is None:
                raise NotFound(str(endpoint_id))
            await self.uow.webhook_endpoints.delete(endpoint)
            await self.uow.commit()
        return endpoint
