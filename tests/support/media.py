"""Media to publish, built from bytes in memory, images to build them from, and a media
store in memory for use-case tests."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import AsyncIterable, AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

from PIL import Image

from application.ports.media_store import MediaObjectMissing, MediaStore, MediaStoreError
from application.ports.outgoing_media import OutgoingMedia
from domain.media import Media, MediaFacts, MediaKind, StoredBytes, media_storage_key


def streamed(content: bytes, piece: int = 64 * 1024) -> Callable[[], AsyncIterator[bytes]]:
    """A store's stream of `content`, in pieces as a file read would give them."""

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(content), piece):
            yield content[start : start + piece]

    return chunks


def outgoing(
    content: bytes,
    *,
    kind: MediaKind = MediaKind.IMAGE,
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


class InMemoryMediaStore(MediaStore):
    """A media store in a dict, for use-case tests; `broken` makes every read fail as an
    unreachable store would."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.written_at: dict[str, datetime] = {}
        self.broken = False

    async def write(self, key: str, chunks: AsyncIterable[bytes]) -> StoredBytes:
        content = b"".join([chunk async for chunk in chunks])
        self.objects[key], self.written_at[key] = content, datetime.now(UTC)
        return StoredBytes(len(content), hashlib.sha256(content).hexdigest())

    async def keep_file(self, key: str, path: Path, known: StoredBytes | None) -> StoredBytes:
        content = path.read_bytes()
        path.unlink()
        self.objects[key], self.written_at[key] = content, datetime.now(UTC)
        return known or StoredBytes(len(content), hashlib.sha256(content).hexdigest())

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        if self.broken:
            raise MediaStoreError("the store is unreachable")
        if key not in self.objects:
            raise MediaObjectMissing(key)
        content = self.objects[key][start:end]
        for offset in range(0, len(content), 1024):
            yield content[offset : offset + 1024]

    async def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    async def stored_before(self, cutoff: datetime) -> AsyncIterator[str]:
        for key, written_at in list(self.written_at.items()):
            if key in self.objects and written_at < cutoff:
                yield key

    async def remove_partial(self, cutoff: datetime) -> int:
        return 0  # every write here completes at once


async def stored_media(
    store: MediaStore,
    workspace_id: UUID,
    content: bytes,
    *,
    kind: MediaKind = MediaKind.IMAGE,
    alt_text: str | None = None,
    size: tuple[int, int] = (10, 10),
) -> Media:
    """A media row whose bytes are in `store`, as an upload would leave them."""
    content_type = {"image": "image/png", "gif": "image/gif", "video": "video/mp4"}[kind]
    facts = MediaFacts(kind, content_type, size[0], size[1], 1000 if kind == "video" else None)
    media_id = uuid4()
    stored = await store.write(media_storage_key(workspace_id, media_id), streamed(content)())
    return Media.create(
        id=media_id,
        workspace_id=workspace_id,
        facts=facts,
        stored=stored,
        alt_text=alt_text,
        now=datetime(2026, 4, 17, tzinfo=UTC),
    )
