"""Media use cases over the in-memory store, the real inspector and a filesystem store."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.media.filesystem import FileSystemMediaStore
from adapters.media.inspector import LocalMediaInspector
from application.delete_media import DeleteMedia
from application.describe_media import DescribeMedia
from application.errors import InvalidCursor, MediaInUse, NotFound
from application.get_media import GetMedia
from application.list_media import ListMedia
from application.ports.media_inspector import InvalidMedia, UnsupportedMediaType
from application.read_media_content import ByteRange, RangeNotSatisfiable, ReadMediaContent
from application.upload_media import UploadMedia, UploadMediaCommand
from domain.errors import InvalidMediaInput, MediaTooLarge
from domain.media import MediaCaps, MediaKind
from domain.platform import Platform
from domain.post import Post, TargetSpec
from tests.support import media_samples as samples
from tests.unit.application.world import World


async def stream(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 4096):
        yield data[start : start + 4096]


class Media:
    def __init__(self, world: World, root: Path, caps: MediaCaps | None = None) -> None:
        self.world, self.root = world, root
        self.store = FileSystemMediaStore(root / "media")
        self.upload = UploadMedia(
            world.uow(), LocalMediaInspector(root / "spool"), self.store, world.ids, world.clock,
            caps or MediaCaps(),
        )  # fmt: skip

    def stored_files(self) -> list[Path]:
        return [p for p in (self.root / "media").rglob("*") if p.is_file()]


@pytest.fixture
def media(world: World, tmp_path: Path) -> Media:
    return Media(world, tmp_path)


async def test_an_upload_is_kept_with_its_facts(world: World, media: Media) -> None:
    workspace = world.workspace()
    data = samples.video(seconds=1.5)
    kept = await media.upload.execute(UploadMediaCommand(workspace.id, stream(data), "a boat"))
    assert (kept.kind, kept.content_type, kept.width, kept.height) == (
        MediaKind.VIDEO,
        "video/mp4",
        64,
        48,
    )
    assert (kept.duration_ms, kept.alt_text, kept.size_bytes) == (1500, "a boat", len(data))
    assert kept.sha256 == hashlib.sha256(data).hexdigest()
    assert await GetMedia(world.uow()).execute(workspace.id, kept.id) == kept
    content = await ReadMediaContent(world.uow(), media.store).execute(workspace.id, kept.id)
    assert b"".join([c async for c in content.chunks]) == data


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"not media at all, just text", UnsupportedMediaType),
        (samples.png()[:30], InvalidMedia),
        (samples.long_gif(10_000), InvalidMedia),
        (samples.png(300, 300), MediaTooLarge),
    ],
)
async def test_a_refused_upload_stores_nothing(
    world: World, tmp_path: Path, data: bytes, error: type[Exception]
) -> None:
    media = Media(world, tmp_path, MediaCaps(image_bytes=200))
    workspace = world.workspace()
    with pytest.raises(error):
        await media.upload.execute(UploadMediaCommand(workspace.id, stream(data)))
    assert media.stored_files() == [] and world.store.media == {}


async def test_alt_text_is_checked_before_reading(world: World, media: Media) -> None:
    async def never() -> AsyncIterator[bytes]:
        raise AssertionError("read")
        yield b""

    with pytest.raises(InvalidMediaInput):
        await media.upload.execute(UploadMediaCommand(world.workspace().id, never(), "x" * 1001))


async def test_list_get_describe_and_isolation(world: World, media: Media) -> None:
    workspace, other = world.workspace(), world.workspace()
    first = await media.upload.execute(UploadMediaCommand(workspace.id, stream(samples.png())))
    world.clock.advance(timedelta(seconds=1))
    second = await media.upload.execute(UploadMediaCommand(workspace.id, stream(samples.jpeg())))
    page = await ListMedia(world.uow()).execute(workspace.id, limit=1)
    assert page.items == [second] and page.has_more
    assert (await ListMedia(world.uow()).execute(workspace.id, 5, second.id)).items == [first]
    with pytest.raises(InvalidCursor):
        await ListMedia(world.uow()).execute(other.id, 5, second.id)
    with pytest.raises(NotFound):
        await GetMedia(world.uow()).execute(other.id, first.id)
    described = await DescribeMedia(world.uow()).execute(workspace.id, first.id, "green")
    assert (
        (await GetMedia(world.uow()).execute(workspace.id, first.id)).alt_text
        == "green"
        == described.alt_text
    )
    with pytest.raises(NotFound):
        await DescribeMedia(world.uow()).execute(other.id, first.id, "mine")


async def test_media_in_use_cannot_be_deleted_until_the_post_is_canceled(
    world: World, media: Media
) -> None:
    workspace = world.workspace()
    integration = world.integration(workspace, platform=Platform.TWITTER)
    kept = await media.upload.execute(UploadMediaCommand(workspace.id, stream(samples.png())))
    post = Post.create(
        id=world.ids.new_id(), workspace_id=workspace.id, content="look",
        targets=[TargetSpec(world.ids.new_id(), integration.id, Platform.TWITTER)],
        now=world.clock.now(),
    )  # fmt: skip
    post.media = (kept.id,)
    world.store.posts[post.id] = post
    delete = DeleteMedia(world.uow(), media.store)
    with pytest.raises(MediaInUse):
        await delete.execute(workspace.id, kept.id)
    post.cancel(world.clock.now())
    world.store.posts[post.id] = post
    assert await delete.execute(workspace.id, kept.id) == kept
    assert media.stored_files() == [] and world.store.media == {}
    with pytest.raises(NotFound):
        await delete.execute(workspace.id, kept.id)


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (ByteRange(0, 9), (0, 10)),
        (ByteRange(95, None), (95, 100)),
        (ByteRange(90, 1000), (90, 100)),
        (ByteRange(None, 10), (90, 100)),
        (ByteRange(None, 1000), (0, 100)),
    ],
)
def test_byte_ranges_inside_the_object(wanted: ByteRange, expected: tuple[int, int]) -> None:
    assert wanted.within(100) == expected


@pytest.mark.parametrize("wanted", [ByteRange(100, None), ByteRange(5, 4), ByteRange(None, 0)])
def test_unsatisfiable_ranges(wanted: ByteRange) -> None:
    with pytest.raises(RangeNotSatisfiable):
        wanted.within(100)
