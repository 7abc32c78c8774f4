from uuid import UUID

from application.errors import InvalidCursor
from application.pagination import Page, page_of
from application.ports.unit_of_work import ReadOnlyUnitOfWork
from domain.webhooks.endpoint import WebhookEndpoint


class ListWebhookEndpoints:
    """The workspace's endpoints, newest first."""

    def __init__(self, uow: ReadOnlyUnitOfWork) -> None:
        self.uow = uow

    async def execute(
        self, workspace_id: UUID, limit: int = 20, starting_after: UUID | None = None
    ) -> Page[WebhookEndpoint]:
        async with self.uow:
            cursor = None
            if starting_after is not None:
                cursor = await self.uow.webhook_endpoints.get(workspace_id, starting_after)
                if cursor is None:
                    raise InvalidCursor(str(starting_after))
            rows = await self.uow.webhook_endpoints.list(workspace_id, limit + 1, cursor)
        return page_of(rows, limit)
