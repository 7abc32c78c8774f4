from abc import abstractmethod
from collections.abc import AsyncIterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from application.ports.clock import Clock
from application.ports.ids import IdGenerator
from application.ports.media_inspector import MediaInspector
from application.ports.media_store import MediaStore, MediaStoreError
from application.ports.unit_of_work import UnitOfWork
from domain.media import Media, MediaCaps, check_alt_text, media_storage_key


class LateFields(Protocol):
    """Fields sent with the file that may only be known once its bytes are read (a form
    may put `alt_text` after `file`)."""

    @property
    @abstractmethod
    def alt_text(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class UploadMediaCommand:
    workspace_id: UUID
    upload: AsyncIterable[bytes]
    alt_text: str | None = None
    late: LateFields | None = None
    """When given, its alt text, read after the upload, is the one kept."""


class UploadMedia:
    """Keeps an uploaded file as media: the inspector decides the type from the bytes and
    cleans images, the store keeps the bytes, the repository the row.

    Refused uploads store nothing: the bytes go to the store only once inspected, and are
    removed again if the row cannot be committed. The alt text is checked before a byte
    is read."""

    def __init__(
        self,
        uow: UnitOfWork,
        inspector: MediaInspector,
        store: MediaStore,
        ids: IdGenerator,
        clock: Clock,
        caps: MediaCaps,
    ) -> None:
        self.uow, self.inspector, self.store = uow, inspector, store
        self.ids, self.clock, self.caps = ids, clock, caps

    async def execute(self, command: UploadMediaCommand) -> Media:
        check_alt_text(command.alt_text)
        media_id = self.ids.new_id()
        key = media_storage_key(command.workspace_id, media_id)
        async with self.inspector.inspect(command.upload, self.caps) as prepared:
            alt_text = check_alt_text(command.late.alt_text if command.late else command.alt_text)
            stored = await self.store.keep_file(key, prepared.path, prepared.known)
        try:
            media = Media.create(
                id=media_id,
                workspace_id=command.workspace_id,
                facts=prepared.facts,
                stored=stored,
                alt_text=alt_text,
                now=self.clock.now(),
            )
            async with self.uow:
                await self.uow.media.add(media)
                await self.uow.commit()
        except BaseException:
            with suppress(MediaStoreError):
                await self.store.delete(key)
            raise
        return media
