"""Images over a platform's limits come out within them; images within come out untouched."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from adapters.media.reencode import PillowImageFitter
from application.ports.image_fitter import ImageCannotFit

LIMIT = 1_000_000


def noisy_png(width: int, height: int, mode: str = "RGB") -> bytes:
    """Random pixels: PNG cannot compress them, so the file is large for its size."""
    channels = len(mode)
    image = Image.frombytes(mode, (width, height), os.urandom(width * height * channels))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


async def test_an_image_within_the_limits_is_sent_as_it_is() -> None:
    content = noisy_png(300, 200)
    fitted = await PillowImageFitter().fit(content, max_bytes=LIMIT, max_side=2000)
    assert fitted.content is content
    assert (fitted.content_type, fitted.width, fitted.height) == ("image/png", 300, 200)


async def test_an_image_over_the_bytes_becomes_a_jpeg_under_them_keeping_its_shape() -> None:
    content = noisy_png(1600, 1000)
    assert len(content) > LIMIT
    fitted = await PillowImageFitter().fit(content, max_bytes=LIMIT, max_side=2000)
    assert len(fitted.content) <= LIMIT
    assert fitted.content_type == "image/jpeg"
    with Image.open(io.BytesIO(fitted.content)) as image:
        assert image.size == (fitted.width, fitted.height)
    assert abs(fitted.width / fitted.height - 1.6) < 0.01


async def test_an_image_over_2000_px_is_scaled_to_2000_on_its_longer_side() -> None:
    image = Image.new("RGB", (3000, 1500), "white")
    out = io.BytesIO()
    image.save(out, "PNG")
    fitted = await PillowImageFitter().fit(out.getvalue(), max_bytes=LIMIT, max_side=2000)
    assert (fitted.width, fitted.height) == (2000, 1000)


async def test_transparency_survives_as_webp() -> None:
    content = noisy_png(1200, 1200, "RGBA")
    fitted = await PillowImageFitter().fit(content, max_bytes=LIMIT, max_side=2000)
    assert fitted.content_type == "image/webp"
    with Image.open(io.BytesIO(fitted.content)) as image:
        assert image.mode == "RGBA"


async def test_bytes_that_are_no_image_cannot_fit() -> None:
    with pytest.raises(ImageCannotFit):
        await PillowImageFitter().fit(b"not an image" * 10, max_bytes=10, max_side=2000)
