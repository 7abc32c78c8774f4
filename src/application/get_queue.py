from uuid import UUID

from application.errors import NotFound, QueueNotSet
from application.ports.queues import StoredQueue
from application.ports.unit_of_work import ReadOnlyUnitOfWorkFactory


class GetQueue:
    """The queue of an integration of the caller's workspace; `QueueNotSet` when it has
    none (its slots then follow section 3's rule). Each call opens its own read-only unit
    of work."""

    def __init__(self, uow_factory: ReadOnlyUnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    async def execute(self, workspace_id: UUID, integration_id: UUID) -> StoredQueue:
        async with self.uow_factory() as uow:
            if await uow.integrations.get(workspace_id, integration_id) is None:
                raise NotFound(str(integration_id))
            stored = await uow.queues.get(integration_id)
        if stored is None:
            raise QueueNotSet(str(integration_id))
        return stored
