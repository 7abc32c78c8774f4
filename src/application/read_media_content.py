from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID

from application.errors import ApplicationError
from application.get_media import GetMedia
from application.ports.media_store import MediaStore
from application.ports.unit_of_work import ReadOnlyUnitOfWork
from domain.media import Media


class RangeNotSatisfiable(ApplicationError):
    """The requested byte range starts past the end of the media."""

    def __init__(self, size: int) -> None:
        super().__init__(f"the media has {size} bytes")
        self.size = size


@dataclass(frozen=True, slots=True)
class ByteRange:
    """`first`-`last`, both inclusive; `last` None means to the end, `first` None means the
    final `last` bytes (a suffix range)."""

    first: int | None
    last: int | None

    def within(self, size: int) -> tuple[int, int]:
        """`[start, end)` inside an object of `size` bytes."""
        if self.first is None:
            suffix = self.last or 0
            if suffix <= 0 or size == 0:
                raise RangeNotSatisfiable(size)
            return max(0, size - suffix), size
        if self.first >= size or (self.last is not None and self.last < self.first):
            raise RangeNotSatisfiable(size)
        end = size if self.last is None else min(self.last + 1, size)
        return self.first, end


@dataclass(frozen=True, slots=True)
class MediaContent:
    media: Media
    start: int
    end: int
    """One past the last byte sent."""
    chunks: AsyncIterator[bytes]


class ReadMediaContent:
    """The stored bytes of one media, whole or one byte range of them."""

    def __init__(self, uow: ReadOnlyUnitOfWork, store: MediaStore) -> None:
        self.get, self.store = GetMedia(uow), store

    async def execute(
        self, workspace_id: UUID, media_id: UUID, wanted: ByteRange | None = None
    ) -> MediaContent:
        return self.content_of(await self.find(workspace_id, media_id), wanted)

    async def find(self, workspace_id: UUID, media_id: UUID) -> Media:
        """The media alone, for a caller that decides from it (its ETag) what to read."""
        return await self.get.execute(workspace_id, media_id)

    def content_of(self, media: Media, wanted: ByteRange | None = None) -> MediaContent:
        start, end = (0, media.size_bytes) if wanted is None else wanted.within(media.size_bytes)
        return MediaContent(media, start, end, self.store.read(media.storage_key, start, end))
