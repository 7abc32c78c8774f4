from dataclasses import dataclass
from uuid import UUID

from application.errors import InvalidCursor, NotFound
from application.pagination import Page, page_of
from application.ports.unit_of_work import ReadOnlyUnitOfWork
from domain.webhooks.delivery import Delivery, DeliveryStatus


@dataclass(frozen=True, slots=True)
class ListDeliveriesQuery:
    workspace_id: UUID
    endpoint_id: UUID
    status: DeliveryStatus | None = None
    limit: int = 20
    starting_after: UUID | None = None


class ListWebhookDeliveries:
    """An endpoint's deliveries, newest first, optionally of one status: its delivery log."""

    def __init__(self, uow: ReadOnlyUnitOfWork) -> None:
        self.uow = uow

    async def execute(self, query: ListDeliveriesQuery) -> Page[Delivery]:
        workspace_id, endpoint_id = query.workspace_id, query.endpoint_id
        async with self.uow:
            if await self.uow.webhook_endpoints.get(workspace_id, endpoint_id) is None:
                raise NotFound(str(endpoint_id))
            cursor = None
            if query.starting_after is not None:
                cursor = await self.uow.webhook_deliveries.get(
                    workspace_id, endpoint_id, query.starting_after
                )
                if cursor is None:
                    raise InvalidCursor(str(query.starting_after))
            rows = await self.uow.webhook_deliveries.list(
                workspace_id, endpoint_id, query.status, query.limit + 1, cursor
            )
        return page_of(rows, query.limit)
