"""Media as the platform adapters receive it for a publish: no framework, no storage."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Literal

MediaKindName = Literal["image", "gif", "video"]


@dataclass(frozen=True, slots=True)
class OutgoingMedia:
    """One attachment of a post, in the post's order.

    `chunks` opens the stored bytes afresh on each call, as a stream, so a 512 MB video
    is never held whole; an upload that is retried simply opens it again. `width`,
    `height` and `content_type` describe the stored original: an adapter that re-encodes
    (Bluesky's 1,000,000-byte cap) reports its own result, never changes the original.
    """

    kind: MediaKindName
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
