from uuid import UUID

from application.errors import NotFound
from application.ports.unit_of_work import ReadOnlyUnitOfWork
from domain.integration import Integration


class GetIntegration:
    """One integration of the caller's workspace, in any status."""

    def __init__(self, uow: ReadOnlyUnitOfWork) -> None:
        self.uow = uow

    async def execute(self, workspace_id: UUID, integration_id: UUID) -> Integration:
        async with self.uow:
            integration = await self.uow.integrations.get(workspace_id, integration_id)
        if integration is None:
            raise NotFound(str(integration_id))
        return integration
