from uuid import UUID

from application.errors import NotFound
from application.ports.unit_of_work import UnitOfWork
from domain.media import Media


class DescribeMedia:
    """Sets or clears (None) the media's alt text, at most 1,000 characters."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def execute(self, workspace_id: UUID, media_id: UUID, alt_text: str | None) -> Media:
        async with self.uow:
            media = await self.uow.media.get(workspace_id, media_id)
            if media is None:
                raise NotFound(str(media_id))
            media.describe(alt_text)
            await self.uow.media.save(media)
            await self.uow.commit()
        return media
