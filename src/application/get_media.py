from uuid import UUID

from application.errors import NotFound
from application.ports.unit_of_work import ReadOnlyUnitOfWork
from domain.media import Media


class GetMedia:
    """One media of the caller's workspace; another workspace's looks missing."""

    def __init__(self, uow: ReadOnlyUnitOfWork) -> None:
        self.uow = uow

    async def execute(self, workspace_id: UUID, media_id: UUID) -> Media:
        async with self.uow:
            media = await self.uow.media.get(workspace_id, media_id)
        if media is None:
            raise NotFound(str(media_id))
        return media
