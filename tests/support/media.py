"""Media to publish, built from bytes in memory, and images to build them from."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator, Callable

from PIL import Image

from application.ports.outgoing_media import MediaKindName, OutgoingMedia


def streamed(content: bytes, piece: int = 64 * 1024) -> Callable[[], AsyncIterator[bytes]]:
    """A store's stream of `content`, in pieces as a file read would give them."""

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(content), piece):
            yield content[start : start + piece]

    return chunks


def outgoing(
    content: bytes,
    *,
    kind: MediaKindName = "image",
    content_type: str = "image/png",
    size: tuple[int, int] = (10, 10),
    alt_text: str = "",
    duration_ms: int | None = None,
) -> OutgoingMedia:
    return OutgoingMedia(
        kind=kind,
        content_type=content_type,
        size_bytes=len(content),
        width=size[0],
        height=size[1],
        alt_text=alt_text,
        chunks=streamed(content),
        duration_ms=duration_ms,
    )


def png(width: int, height: int, *, noisy: bool = False) -> bytes:
    """A PNG; a noisy one does not compress, so it is large for its size in pixels."""
    if noisy:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (200, 40, 90))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def image_of(content: bytes) -> OutgoingMedia:
    """`content` (a PNG) as the store would describe it."""
    with Image.open(io.BytesIO(content)) as image:
        return outgoing(content, size=image.size)
