"""Turning uploaded bytes into storable media: the type from the bytes, the checks that
prove they decode, and images cleaned of metadata."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Protocol

from domain.media import MediaCaps, MediaFacts, StoredBytes


class MediaRefused(Exception):
    """Base of the inspector's refusals; the message is safe to show the client."""


class UnsupportedMediaType(MediaRefused):
    """The bytes are none of JPEG, PNG, WebP, GIF, MP4 or MOV."""


class InvalidMedia(MediaRefused):
    """The bytes claim a supported type but do not decode as it (truncated, corrupt, a
    decompression bomb, too many frames, a video without a video track)."""


class PreparedMedia(Protocol):
    """Checked media ready to store. `chunks()` streams the bytes to keep: for an image,
    the re-encoded pixels without metadata; for a video, the upload as it came."""

    facts: MediaFacts
    uploaded_bytes: int
    path: Path
    """The local file holding the bytes to keep; it is removed when the inspection ends."""
    known: StoredBytes | None
    """Their size and SHA-256, when the inspector computed them on the way."""

    @abstractmethod
    def chunks(self) -> AsyncIterator[bytes]: ...


class MediaInspector(Protocol):
    """`async with inspector.inspect(upload, caps) as prepared:` — reads the upload as it
    streams, refusing it as soon as its first bytes are no supported type
    (`UnsupportedMediaType`) or it passes the cap of its family (`domain MediaTooLarge`),
    then decodes and checks it. Nothing it spooled outlives the block."""

    @abstractmethod
    def inspect(
        self, upload: AsyncIterable[bytes], caps: MediaCaps
    ) -> AbstractAsyncContextManager[PreparedMedia]: ...
