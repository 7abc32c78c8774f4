"""Media as the platform adapters receive it for a publish: no framework, no storage."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from domain.media import MediaKind


@dataclass(frozen=True, slots=True)
class OutgoingMedia:
    """One attachment of a post, in the post's order.

    `chunks` opens the stored bytes afresh on each call, as a stream, so a 512 MB video
    is never held whole; an upload that is retried simply opens it again. `width`,
    `height` and `content_type` describe the stored original: an adapter that re-encodes
    (Bluesky's 1,000,000-byte cap) reports its own result, never changes the original.
    """

    kind: MediaKind
    content_type: str
    size_bytes: int
    width: int
    height: int
    alt_text: str
    chunks: Callable[[], AsyncIterator[bytes]] = field(repr=False)
    duration_ms: int | None = None

    async def read(self) -> bytes:
        """The whole file, for images, which are small enough to hold (20 MB at most)."""
        return b"".join([chunk async for chunk in self.chunks()])


class MediaUnreadable(Exception):
    """The stored bytes of an attachment could not be read while publishing; nothing was
    posted. `missing` when the object is gone for good (retrying cannot help)."""

    def __init__(self, message: str, *, missing: bool) -> None:
        super().__init__(message)
        self.missing = missing
