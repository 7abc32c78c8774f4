"""`FileSystemMediaStore`: media under one directory (MEDIA_DIR), one folder per workspace.

Files are 0600 and folders 0700: media is private until the API serves it. A write goes
to a temporary file beside its target and is renamed over it once complete, so a reader
sees the whole object or none, and a failed write leaves nothing under the key. A spooled
upload on the same filesystem is renamed into place rather than copied.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import suppress
from pathlib import Path

from application.ports.media_store import MediaObjectMissing, MediaStore, MediaStoreError
from domain.media import StoredBytes

READ_CHUNK = 1024 * 1024


class FileSystemMediaStore(MediaStore):
    def __init__(self, root: Path) -> None:
        self._root = root

    async def write(self, key: str, chunks: AsyncIterable[bytes]) -> StoredBytes:
        target = self._path(key)
        try:
            self._make_folders(target.parent)
            fd, name = tempfile.mkstemp(prefix=".incoming-", dir=target.parent)
        except OSError as exc:
            raise MediaStoreError(f"cannot write under {self._root}") from exc
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as file:
                async for chunk in chunks:
                    file.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
            os.replace(name, target)
        except OSError as exc:
            _remove(name)
            raise MediaStoreError(f"cannot write under {self._root}") from exc
        except BaseException:
            _remove(name)
            raise
        return StoredBytes(size, digest.hexdigest())

    async def keep_file(self, key: str, path: Path, known: StoredBytes | None) -> StoredBytes:
        """Moves the file into place when it is on the same filesystem (no second copy of
        a large upload), else copies it."""
        if known is None:
            known = await asyncio.to_thread(_digest_of, path)
        target = self._path(key)
        try:
            self._make_folders(target.parent)
            os.chmod(path, 0o600)
            os.replace(path, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise MediaStoreError(f"cannot write under {self._root}") from exc
            return await self.write(key, _file_chunks(path))
        return known

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        try:
            file = self._path(key).open("rb")
        except FileNotFoundError as exc:
            raise MediaObjectMissing(key) from exc
        except OSError as exc:
            raise MediaStoreError(f"cannot read under {self._root}") from exc
        with file:
            file.seek(start)
            left = None if end is None else max(0, end - start)
            while left is None or left > 0:
                size = READ_CHUNK if left is None else min(READ_CHUNK, left)
                chunk = await asyncio.to_thread(file.read, size)
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk

    async def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise MediaStoreError(f"cannot delete under {self._root}") from exc

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
            raise MediaStoreError(f"not a media key: {key!r}")
        return self._root.joinpath(*parts)

    def _make_folders(self, folder: Path) -> None:
        relative = folder.relative_to(self._root)
        current = self._root
        for part in ("", *relative.parts):
            current = current / part if part else current
            current.mkdir(mode=0o700, parents=not part, exist_ok=True)


def _digest_of(path: Path) -> StoredBytes:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as file:
        while chunk := file.read(READ_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return StoredBytes(size, digest.hexdigest())


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as file:
        while chunk := await asyncio.to_thread(file.read, READ_CHUNK):
            yield chunk


def _remove(name: str) -> None:
    with suppress(FileNotFoundError):
        os.unlink(name)
