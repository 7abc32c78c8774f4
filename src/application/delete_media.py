from contextlib import suppress
from uuid import UUID

from application.errors import MediaInUse, NotFound
from application.ports.media_store import MediaStore, MediaStoreError
from application.ports.unit_of_work import UnitOfWork
from domain.media import Media


class DeleteMedia:
    """Deletes media no draft, scheduled or publishing post uses (409 `media_in_use`
    otherwise). The row goes first, then the bytes: a store failure afterwards leaves an
    orphan object, never a row without its bytes."""

    def __init__(self, uow: UnitOfWork, store: MediaStore) -> None:
        self.uow, self.store = uow, store

    async def execute(self, workspace_id: UUID, media_id: UUID) -> Media:
        async with self.uow:
            media = await self.uow.media.get(workspace_id, media_id)
            if media is None:
                raise NotFound(str(media_id))
            if await self.uow.media.in_use(workspace_id, media_id):
                raise MediaInUse(str(media_id))
            await self.uow.media.delete(workspace_id, media_id)
            await self.uow.commit()
        with suppress(MediaStoreError):
            await self.store.delete(media.storage_key)
        return media
