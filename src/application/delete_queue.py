from uuid import UUID

from application.errors import NotFound, QueueNotSet
from application.ports.queues import StoredQueue
from application.ports.unit_of_work import UnitOfWork


class DeleteQueue:
    """Removes an integration's queue, so its slots follow section 3's rule again, and
    returns the queue as it was. `QueueNotSet` when there was none, as for a read."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def execute(self, workspace_id: UUID, integration_id: UUID) -> StoredQueue:
        async with self.uow:
            if await self.uow.integrations.get(workspace_id, integration_id) is None:
                raise NotFound(str(integration_id))
            stored = await self.uow.queues.get(integration_id)
            if stored is None:
                raise QueueNotSet(str(integration_id))
            await self.uow.queues.delete(integration_id)
            await self.uow.commit()
        return stored
