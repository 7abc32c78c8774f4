from uuid import UUID

from application.errors import NotFound
from application.ports.unit_of_work import ReadOnlyUnitOfWork
from domain.webhooks.endpoint import WebhookEndpoint


class GetWebhookEndpoint:
    """One endpoint of the workspace; another workspace's is not found."""

    def __init__(self, uow: ReadOnlyUnitOfWork) -> None:
        self.uow = uow

    async def execute(self, workspace_id: UUID, endpoint_id: UUID) -> WebhookEndpoint:
        async with self.uow:
            endpoint = await self.uow.webhook_endpoints.get(workspace_id, endpoint_id)
        if endpoint is None:
            raise NotFound(str(endpoint_id))
        return endpoint
