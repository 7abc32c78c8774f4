"""`FileSystemMediaStore`: media under one directory (MEDIA_DIR), one folder per workspace.

Files are 0600 and folders 0700: media is private until the API serves it. A write goes
to a temporary file beside its target and is renamed over it once complete, so a reader
sees the whole object or none, and a failed write leaves nothing under the key. A spooled
upload on the same filesystem is renamed into place rather than copied.

Unfinished writes (`.incoming-*` beside their targets, and the uploads spooled in
`.incoming/`) hold an exclusive `flock` while they are written; the sweep removes only
old ones it can lock, so a process that died mid-write leaves nothing for long, and an
upload under way, however slow, is never touched.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import hashlib
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import suppress
from datetime import datetime
from pathlib import Path

from application.ports.media_store import MediaObjectMissing, MediaStore, MediaStoreError
from domain.media import StoredBytes

READ_CHUNK = 1024 * 1024
SPOOL_FOLDER = ".incoming"
"""Inside the root: where uploads are spooled while they are checked (same filesystem,
so a kept upload is renamed into place)."""
_PARTIAL_PREFIX = ".incoming-"


def hold(fd: int) -> None:
    """Marks a file as being written: the sweep leaves it alone while `fd` is open."""
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


class FileSystemMediaStore(MediaStore):
    def __init__(self, root: Path) -> None:
        self._root = root

    @property
    def spool_folder(self) -> Path:
        return self._root / SPOOL_FOLDER

    async def write(self, key: str, chunks: AsyncIterable[bytes]) -> StoredBytes:
        target = self._path(key)
        try:
            self._make_folders(target.parent)
            fd, name = tempfile.mkstemp(prefix=_PARTIAL_PREFIX, dir=target.parent)
            hold(fd)
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

    async def stored_before(self, cutoff: datetime) -> AsyncIterator[str]:
        for folder in await asyncio.to_thread(_folders, self._root):
            for name in await asyncio.to_thread(_names_before, folder, cutoff.timestamp()):
                yield f"{folder.name}/{name}"

    async def remove_partial(self, cutoff: datetime) -> int:
        return await asyncio.to_thread(self._remove_partial, cutoff.timestamp())

    def _remove_partial(self, cutoff: float) -> int:
        candidates = _files(self.spool_folder)
        for folder in _folders(self._root):
            candidates += [p for p in _files(folder) if p.name.startswith(_PARTIAL_PREFIX)]
        return sum(_remove_if_abandoned(path, cutoff) for path in candidates)

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


def _folders(root: Path) -> list[Path]:
    """The workspace folders (every folder not starting with a dot)."""
    try:
        return [p for p in root.iterdir() if not p.name.startswith(".") and p.is_dir()]
    except FileNotFoundError:
        return []


def _files(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_file()]
    except FileNotFoundError:
        return []


def _names_before(folder: Path, cutoff: float) -> list[str]:
    names = []
    for path in _files(folder):
        with suppress(FileNotFoundError):
            if not path.name.startswith(".") and path.stat().st_mtime < cutoff:
                names.append(path.name)
    return names


def _remove_if_abandoned(path: Path, cutoff: float) -> bool:
    """Removes a partial file last written before `cutoff` that no writer holds."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        if os.fstat(fd).st_mtime >= cutoff:
            return False
        try:
            hold(fd)
        except BlockingIOError:
            return False
        with suppress(FileNotFoundError):
            path.unlink()
            return True
        return False
    finally:
        os.close(fd)


def _remove(name: str) -> None:
    with suppress(FileNotFoundError):
        os.unlink(name)
