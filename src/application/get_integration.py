from uuid import UUID

from application.errors import NotFound
from application.ports.unit_of_work import ReadOnlyUnitOfWorkFactory
from domain.integration import Integration


class GetIntegration:
    """One integration of the caller's workspace, in any status. Lives as long as the
    process: each call opens its own read-only unit of work."""

    def __init__(self, uow_factory: ReadOnlyUnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    async def execute(self, workspace_id: UUID, integration_id: UUID) -> Integration:
        async with self.uow_factory() as uow:
            integration = await uow.integrations.get(workspace_id, integration_id)
        if integration is None:
            raise NotFound(str(integration_id))
        return integration
