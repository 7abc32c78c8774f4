"""Images through Pillow: decode fully (which proves the bytes), refuse decompression bombs
and runaway GIFs before decoding, apply the EXIF orientation to the pixels, and write the
image again without EXIF, XMP, IPTC or comments (the ICC colour profile is kept: it is no
personal data and dropping it shifts colours).

A JPEG that needs no rotation keeps its quantisation tables (`quality="keep"`), so it is
not degraded by the re-encode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from adapters.media.sniff import Sniffed
from application.ports.media_inspector import InvalidMedia, UnsupportedMediaType
from domain.media import MediaFacts, MediaKind

MAX_PIXELS = 8192 * 8192
MAX_GIF_FRAMES = 1000
MAX_GIF_PIXELS = 500_000_000
"""Frames times frame area: what decoding an animated GIF may cost at most."""
_METADATA = ("exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop", "iptc", "extension")
_ORIENTATION = 0x0112


def prepare_image(source: Path, target: Path, sniffed: Sniffed) -> MediaFacts:
    try:
        with Image.open(source, formats=[sniffed.pillow_format or ""]) as image:
            _check_pixels(image)
            animated = _count_frames(image) > 1
            if animated and image.format == "WEBP":
                raise UnsupportedMediaType("animated WebP is not supported; send a GIF")
            image.seek(0)
            image.load()
            cleaned = _write_clean(image, target, animated)
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise InvalidMedia(f"the file does not decode as {sniffed.content_type}") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InvalidMedia(f"the file does not decode as {sniffed.content_type}") from exc
    kind = MediaKind.GIF if animated and sniffed.pillow_format == "GIF" else MediaKind.IMAGE
    return MediaFacts(kind, sniffed.content_type, cleaned[0], cleaned[1])


def _check_pixels(image: Image.Image) -> None:
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise InvalidMedia(f"an image may have at most {MAX_PIXELS} pixels")


def _count_frames(image: Image.Image) -> int:
    """Frames counted by seeking, stopped as soon as either budget is spent."""
    if not getattr(image, "is_animated", False):
        return 1
    area = image.size[0] * image.size[1]
    allowed = min(MAX_GIF_FRAMES, MAX_GIF_PIXELS // area)
    frames = 1
    while True:
        try:
            image.seek(frames)
        except EOFError:
            return frames
        frames += 1
        if frames > allowed:
            raise InvalidMedia(f"an animation may have at most {allowed} frames at this size")


def _write_clean(image: Image.Image, target: Path, animated: bool) -> tuple[int, int]:
    icc = image.info.get("icc_profile")
    orientation = image.getexif().get(_ORIENTATION, 1)
    for key in _METADATA:
        image.info.pop(key, None)
    options: dict[str, Any] = {"icc_profile": icc} if icc else {}
    fmt = image.format or "PNG"
    if animated:
        image.save(target, fmt, save_all=True, **options)
        return image.size
    if fmt == "JPEG" and orientation == 1:
        image.save(target, fmt, quality="keep", subsampling="keep", **options)
        return image.size
    upright = ImageOps.exif_transpose(image)
    upright.info.pop("exif", None)
    upright.save(target, fmt, **options, **_ENCODER.get(fmt, {}))
    return upright.size


_ENCODER: dict[str, dict[str, Any]] = {
    "JPEG": {"quality": 95},
    "WEBP": {"quality": 90},
}
