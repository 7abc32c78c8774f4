"""Large, valid videos made quickly: a one-second MPEG-4 clip followed by a `free` box of
the size wanted (players and FFmpeg skip it), written in 1 MiB blocks."""

from __future__ import annotations

import io
import struct
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

BLOCK = 1024 * 1024


def short_clip() -> bytes:
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(10):
            frame = av.VideoFrame.from_image(  # type: ignore[no-untyped-call]
                Image.new("RGB", (64, 48), (index * 20, 80, 160))
            )
            frame.pts, frame.time_base = index, Fraction(1, 10)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out.getvalue()


def write_video(path: Path, size_bytes: int) -> Path:
    clip = short_clip()
    padding = size_bytes - len(clip)
    with path.open("wb") as file:
        file.write(clip)
        file.write(struct.pack(">I4s", padding, b"free"))
        left = padding - 8
        block = bytes(BLOCK)
        while left > 0:
            file.write(block[: min(BLOCK, left)])
            left -= min(BLOCK, left)
    return path
