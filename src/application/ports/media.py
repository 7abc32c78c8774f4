from abc import abstractmethod
from collections.abc import Collection
from typing import Protocol
from uuid import UUID

from domain.media import Media


class MediaRepository(Protocol):
    """Media rows of every workspace. The bytes are the `MediaStore`'s."""

    @abstractmethod
    async def add(self, media: Media) -> None: ...

    @abstractmethod
    async def save(self, media: Media) -> None: ...

    @abstractmethod
    async def get(self, workspace_id: UUID, media_id: UUID) -> Media | None: ...

    @abstractmethod
    async def get_many(self, workspace_id: UUID, media_ids: Collection[UUID]) -> list[Media]:
        """Those of `media_ids` that exist in the workspace, in no particular order."""

    @abstractmethod
    async def list(
        self, workspace_id: UUID, limit: int, starting_after: Media | None = None
    ) -> list[Media]:
        """Newest `created_at` first, ties by id descending; at most `limit` after the
        cursor in that order."""

    @abstractmethod
    async def delete(self, workspace_id: UUID, media_id: UUID) -> None: ...

    @abstractmethod
    async def in_use(self, workspace_id: UUID, media_id: UUID) -> bool:
        """Whether a draft, scheduled or publishing post attaches this media."""
