"""`LocalMediaInspector`: spools an upload to a private temporary file while it streams,
then decodes it off the event loop (Pillow for images, PyAV for video).

The first bytes decide the family (so unsupported bytes are refused at once) and the
family's cap stops the spooling as soon as it is passed. Spool files live in `spool_dir`
(the system's temporary directory by default), are readable by their owner only, and are
removed when the `inspect` block ends, whatever happened. While a spool file is being
written it is held (`filesystem.hold`), so a sweep of the spool folder never removes it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from pathlib import Path
from typing import Any, BinaryIO

from adapters.media.filesystem import hold
from adapters.media.sniff import HEAD_BYTES, Sniffed, sniff
from application.ports.media_inspector import (
    InvalidMedia,
    MediaInspector,
    PreparedMedia,
    UnsupportedMediaType,
)
from domain.errors import MediaTooLarge
from domain.media import MediaCaps, MediaFacts, MediaFamily, StoredBytes

READ_CHUNK = 1024 * 1024


class _Prepared(PreparedMedia):
    def __init__(
        self, facts: MediaFacts, uploaded_bytes: int, path: Path, known: StoredBytes | None
    ) -> None:
        self.facts, self.uploaded_bytes, self.path, self.known = facts, uploaded_bytes, path, known

    async def chunks(self) -> AsyncIterator[bytes]:
        with self.path.open("rb") as file:
            while chunk := await asyncio.to_thread(file.read, READ_CHUNK):
                yield chunk


class LocalMediaInspector(MediaInspector):
    def __init__(self, spool_dir: Path | None = None) -> None:
        self._spool_dir = spool_dir

    def inspect(
        self, upload: AsyncIterable[bytes], caps: MediaCaps
    ) -> AbstractAsyncContextManager[PreparedMedia]:
        return self._inspect(upload, caps)

    @asynccontextmanager
    async def _inspect(
        self, upload: AsyncIterable[bytes], caps: MediaCaps
    ) -> AsyncIterator[PreparedMedia]:
        spooled = self._new_file()
        cleaned = self._new_file()
        try:
            digest = hashlib.sha256()
            with spooled[1] as raw:
                sniffed, size = await _spool(upload, raw, caps, digest)
            facts, keep = await asyncio.to_thread(_decode, sniffed, spooled[0], cleaned[0])
            caps.check(facts.kind, size)
            known = StoredBytes(size, digest.hexdigest()) if keep == spooled[0] else None
            yield _Prepared(facts, size, keep, known)
        finally:
            cleaned[1].close()
            for path in (spooled[0], cleaned[0]):
                with suppress(FileNotFoundError):
                    path.unlink()

    def _new_file(self) -> tuple[Path, BinaryIO]:
        if self._spool_dir is not None:
            self._spool_dir.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._spool_dir.mkdir(mode=0o700, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="upload-", dir=self._spool_dir)
        hold(fd)
        return Path(name), os.fdopen(fd, "wb")


async def _spool(
    upload: AsyncIterable[bytes], raw: BinaryIO, caps: MediaCaps, digest: Any
) -> tuple[Sniffed, int]:
    """Writes the upload to `raw`, hashing it on the way (a video is kept as it came, so
    its hash is the stored one's)."""
    head, size, sniffed = b"", 0, None
    async for chunk in upload:
        size += len(chunk)
        if sniffed is None:
            head += chunk
            if len(head) < HEAD_BYTES:
                continue
            sniffed = _claim(head)
            chunk, head = head, b""
        if size > caps.for_family(sniffed.family):
            raise MediaTooLarge(sniffed.family.value, caps.for_family(sniffed.family))
        raw.write(chunk)
        digest.update(chunk)
    if sniffed is None:
        if not head:
            raise InvalidMedia("the file is empty")
        sniffed = _claim(head)
        raw.write(head)
        digest.update(head)
    return sniffed, size


def _claim(head: bytes) -> Sniffed:
    sniffed = sniff(head[:HEAD_BYTES])
    if sniffed is None:
        raise UnsupportedMediaType("only JPEG, PNG, WebP, GIF, MP4 and MOV files are supported")
    return sniffed


def _decode(sniffed: Sniffed, spooled: Path, cleaned: Path) -> tuple[MediaFacts, Path]:
    """Pillow and PyAV are loaded on the first upload, not at every start-up."""
    from adapters.media.images import prepare_image
    from adapters.media.video import probe_video

    if sniffed.family is MediaFamily.VIDEO:
        return probe_video(spooled, sniffed), spooled
    return prepare_image(spooled, cleaned, sniffed), cleaned
