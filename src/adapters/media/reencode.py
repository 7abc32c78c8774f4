"""Pillow re-encodes an image that is over a platform's byte or pixel limits.

The longer side is scaled down to `max_side` first; then the image is written as JPEG
(WebP when it has transparency, which JPEG would lose) at falling qualities, and scaled
down by a quarter whenever no quality fits, until it fits or becomes too small to be
worth sending. Orientation and metadata were dealt with at upload, so pixels are taken
as they are.
"""

from __future__ import annotations

import asyncio
import io

from PIL import Image, UnidentifiedImageError

from application.ports.image_fitter import FittedImage, ImageCannotFit, ImageFitter

QUALITIES = (85, 75, 65, 50)
SHRINK = 0.75
SMALLEST_SIDE = 64
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


class PillowImageFitter(ImageFitter):
    async def fit(self, content: bytes, *, max_bytes: int, max_side: int) -> FittedImage:
        return await asyncio.to_thread(fit_image, content, max_bytes, max_side)


def fit_image(content: bytes, max_bytes: int, max_side: int) -> FittedImage:
    """`content` untouched when it fits, else the first re-encoding that does."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
            mime = MIME_TYPES.get(image.format or "")
            if mime and len(content) <= max_bytes and max(width, height) <= max_side:
                return FittedImage(content, mime, width, height)
            image.seek(0)
            transparent = image.has_transparency_data
            pixels = image.convert("RGBA" if transparent else "RGB")
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise ImageCannotFit(f"the image could not be read: {error}") from None
    pixels.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    kind, mime = ("WEBP", "image/webp") if transparent else ("JPEG", "image/jpeg")
    while min(pixels.size) >= SMALLEST_SIDE:
        for quality in QUALITIES:
            out = io.BytesIO()
            pixels.save(out, kind, quality=quality)
            if out.tell() <= max_bytes:
                return FittedImage(out.getvalue(), mime, *pixels.size)
        size = (max(1, int(pixels.width * SHRINK)), max(1, int(pixels.height * SHRINK)))
        pixels = pixels.resize(size, Image.Resampling.LANCZOS)
    raise ImageCannotFit(f"the image cannot be brought under {max_bytes} bytes")
