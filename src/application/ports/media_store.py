"""Where media bytes live: a filesystem directory or an S3-compatible bucket."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import AsyncIterable, AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Protocol

from domain.media import StoredBytes


class MediaStoreError(Exception):
    """The store failed (unreachable, refused, out of space). Nothing was half-kept: a
    failed write leaves no object behind."""


class MediaObjectMissing(MediaStoreError):
    """No object under that key."""


class MediaStore(Protocol):
    """Streams bytes in and out; never holds a whole object in memory.

    Keys are `domain.media.media_storage_key` values (`<workspace>/<media>`). Writing a key
    that exists replaces it; the object appears whole or not at all.
    """

    @abstractmethod
    async def write(self, key: str, chunks: AsyncIterable[bytes]) -> StoredBytes:
        """Consumes `chunks` into the object, returning its size and SHA-256."""

    @abstractmethod
    async def keep_file(self, key: str, path: Path, known: StoredBytes | None) -> StoredBytes:
        """Keeps the bytes of a local file under `key`, like `write`; `known` is their size
        and SHA-256 when the caller already has them. The store may move the file rather
        than copy it, so `path` is not to be used afterwards."""

    @abstractmethod
    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The object's bytes from `start` up to, not including, `end` (None: to the end).
        Raises `MediaObjectMissing` on the first iteration if there is no such object."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Removes the object; deleting a missing one is not an error."""

    @abstractmethod
    def stored_before(self, cutoff: datetime) -> AsyncIterator[str]:
        """The keys of the objects last written before `cutoff`, in no particular order."""

    @abstractmethod
    async def remove_partial(self, cutoff: datetime) -> int:
        """Removes writes that never completed (a process that died mid-upload) begun
        before `cutoff`, never one still under way; returns how many it removed."""
