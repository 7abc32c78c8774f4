"""The inspector decides the type from the bytes, proves they decode, strips image metadata
and refuses what it must; it never leaves a spool file behind."""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from adapters.media.inspector import LocalMediaInspector
from application.ports.media_inspector import InvalidMedia, UnsupportedMediaType
from domain.errors import MediaTooLarge
from domain.media import MediaCaps, MediaFacts, MediaKind, StoredBytes
from tests.support import media_samples as samples


async def stream(data: bytes, size: int = 5) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def inspect(
    spool: Path, data: bytes, caps: MediaCaps | None = None
) -> tuple[MediaFacts, bytes]:
    inspector = LocalMediaInspector(spool)
    async with inspector.inspect(stream(data), caps or MediaCaps()) as prepared:
        kept = b"".join([chunk async for chunk in prepared.chunks()])
        assert prepared.uploaded_bytes == len(data)
        return prepared.facts, kept


@pytest.fixture
def spool(tmp_path: Path) -> AsyncIterator[Path]:
    directory = tmp_path / "spool"
    yield directory  # type: ignore[misc]
    assert not any(directory.iterdir()), "a spool file was left behind"


@pytest.mark.parametrize(
    ("data", "kind", "content_type", "size"),
    [
        (samples.jpeg(40, 20), MediaKind.IMAGE, "image/jpeg", (40, 20)),
        (samples.png(30, 10), MediaKind.IMAGE, "image/png", (30, 10)),
        (samples.webp(16, 12), MediaKind.IMAGE, "image/webp", (16, 12)),
        (samples.gif(1, 8, 6), MediaKind.IMAGE, "image/gif", (8, 6)),
        (samples.gif(3, 8, 6), MediaKind.GIF, "image/gif", (8, 6)),
    ],
)
async def test_images_are_recognised_from_their_bytes(
    spool: Path, data: bytes, kind: MediaKind, content_type: str, size: tuple[int, int]
) -> None:
    facts, kept = await inspect(spool, data)
    assert facts == MediaFacts(kind, content_type, *size)
    assert Image.open(io.BytesIO(kept)).size == size


@pytest.mark.parametrize(
    ("fmt", "content_type"), [("mp4", "video/mp4"), ("mov", "video/quicktime")]
)
async def test_videos_keep_their_bytes_and_tell_their_facts(
    spool: Path, fmt: str, content_type: str
) -> None:
    data = samples.video(seconds=2.0, fmt=fmt, width=64, height=48)
    inspector = LocalMediaInspector(spool)
    async with inspector.inspect(stream(data), MediaCaps()) as prepared:
        assert prepared.facts == MediaFacts(MediaKind.VIDEO, content_type, 64, 48, 2000)
        assert prepared.path.read_bytes() == data
        assert prepared.known == StoredBytes(len(data), hashlib.sha256(data).hexdigest())


async def test_exif_xmp_and_comments_are_gone_after_the_orientation_is_applied(
    spool: Path,
) -> None:
    data = samples.jpeg(40, 20, orientation=6, gps=True)
    assert b"Exif" in data and b"secret-place" in data and b"secret comment" in data
    facts, kept = await inspect(spool, data)
    assert (facts.width, facts.height) == (20, 40)
    assert b"Exif" not in kept and b"secret" not in kept
    image = Image.open(io.BytesIO(kept))
    assert not image.getexif() and "xmp" not in image.info
    assert image.getpixel((10, 2))[2] > 200, "the left half (blue) is on top once rotated"


async def test_an_upright_jpeg_is_stripped_too(spool: Path) -> None:
    _, kept = await inspect(spool, samples.jpeg(gps=True))
    assert b"Exif" not in kept and b"secret" not in kept


@pytest.mark.parametrize(
    "data", [b"%PDF-1.7 hello world", b"BM" + bytes(40), b"<html></html>....", b"\x00" * 20]
)
async def test_other_types_are_unsupported(spool: Path, data: bytes) -> None:
    with pytest.raises(UnsupportedMediaType):
        await inspect(spool, data)


async def test_an_animated_webp_is_unsupported(spool: Path) -> None:
    with pytest.raises(UnsupportedMediaType):
        await inspect(spool, samples.webp(frames=3))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        samples.png()[:40],
        samples.jpeg()[:300],
        b"\x89PNG\r\n\x1a\n" + b"garbage" * 10,
        samples.png_bomb(),
        samples.long_gif(10_000),
        samples.video()[:600],
        samples.video(with_video=False),
        b"\x00\x00\x00\x1cftypisom" + bytes(100),
    ],
    ids=[
        "empty",
        "png-cut",
        "jpeg-cut",
        "png-junk",
        "bomb",
        "10k-frames",
        "mp4-cut",
        "no-video-track",
        "mp4-junk",
    ],
)
async def test_bytes_that_do_not_decode_as_they_claim_are_invalid(spool: Path, data: bytes) -> None:
    with pytest.raises(InvalidMedia):
        await inspect(spool, data)


async def test_the_cap_of_the_family_stops_the_upload(spool: Path) -> None:
    data = samples.png(200, 200)
    with pytest.raises(MediaTooLarge):
        await inspect(spool, data, MediaCaps(image_bytes=len(data) - 1))
    assert (await inspect(spool, data, MediaCaps(image_bytes=len(data))))[0].kind is MediaKind.IMAGE


async def test_an_animated_gif_has_its_own_cap(spool: Path) -> None:
    animated, still = samples.gif(3), samples.gif(1)
    caps = MediaCaps(image_bytes=10_000, gif_bytes=len(animated) - 1)
    with pytest.raises(MediaTooLarge):
        await inspect(spool, animated, caps)
    assert (await inspect(spool, still, caps))[0].kind is MediaKind.IMAGE


async def test_a_video_over_its_cap_is_refused(spool: Path) -> None:
    data = samples.video()
    with pytest.raises(MediaTooLarge):
        await inspect(spool, data, MediaCaps(video_bytes=len(data) - 1))
