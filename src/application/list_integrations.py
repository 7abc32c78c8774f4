from dataclasses import dataclass
from uuid import UUID

from application.errors import InvalidCursor
from application.pagination import Page, page_of
from application.ports.unit_of_work import ReadOnlyUnitOfWorkFactory
from domain.integration import Integration, IntegrationStatus

NOT_DISCONNECTED = (IntegrationStatus.ACTIVE, IntegrationStatus.NEEDS_REFRESH)


@dataclass(frozen=True, slots=True)
class ListIntegrationsQuery:
    workspace_id: UUID
    status: IntegrationStatus | None = None
    limit: int = 20
    starting_after: UUID | None = None


class ListIntegrations:
    """The workspace's connected accounts: not disconnected unless a status is asked for.

    Lives as long as the process: each call opens its own read-only unit of work."""

    def __init__(self, uow_factory: ReadOnlyUnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    async def execute(self, query: ListIntegrationsQuery) -> Page[Integration]:
        statuses = (query.status,) if query.status else NOT_DISCONNECTED
        async with self.uow_factory() as uow:
            cursor = None
            if query.starting_after is not None:
                cursor = await uow.integrations.get(query.workspace_id, query.starting_after)
                if cursor is None:
                    raise InvalidCursor(str(query.starting_after))
            rows = await uow.integrations.list(
                query.workspace_id, statuses, query.limit + 1, cursor
            )
        return page_of(rows, query.limit)
