"""Media files made on the spot for tests: nothing binary is committed."""

from __future__ import annotations

import io
import struct
import zlib
from fractions import Fraction

import av
from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg(
    width: int = 40, height: int = 20, orientation: int | None = None, gps: bool = False
) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((10, 10, 240), (0, 0, width // 2, height))
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if gps:
        exif.get_ifd(GPS_IFD)[2] = (52.0, 31.0, 12.0)
    out = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret-place</x:xmpmeta>'
    image.save(out, "JPEG", exif=exif, xmp=xmp, comment=b"secret comment")
    return out.getvalue()


def png(width: int = 30, height: int = 10) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 128, 0, 255)).save(out, "PNG")
    return out.getvalue()


def webp(width: int = 16, height: int = 16, frames: int = 1) -> bytes:
    out = io.BytesIO()
    images = [Image.new("RGB", (width, height), (i * 40 % 256, 0, 0)) for i in range(frames)]
    images[0].save(out, "WEBP", save_all=frames > 1, append_images=images[1:])
    return out.getvalue()


def gif(frames: int = 1, width: int = 8, height: int = 8) -> bytes:
    palette = [Image.new("P", (width, height), i % 2) for i in range(2)]
    for image in palette:
        image.putpalette([0, 0, 0, 255, 255, 255] * 128)
    out = io.BytesIO()
    first, rest = palette[0], [palette[i % 2] for i in range(1, frames)]
    first.save(out, "GIF", save_all=frames > 1, append_images=rest, duration=40, loop=0)
    return out.getvalue()


def long_gif(frames: int) -> bytes:
    """An animated 1x1 GIF with `frames` frames, built by repeating one encoded frame
    (Pillow would take seconds to encode thousands)."""
    marker = b"\x21\xf9\x04"
    head, *parts = gif(4, 1, 1)[:-1].split(marker)
    first, odd, even = (marker + part for part in parts[:3])
    return head + first + b"".join(odd if i % 2 else even for i in range(1, frames)) + b";"


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header declares a huge 1-bit image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def video(
    seconds: float = 1.0,
    fmt: str = "mp4",
    width: int = 64,
    height: int = 48,
    with_video: bool = True,
) -> bytes:
    """A short MPEG-4 video (or, without video, an AAC-only file) in an MP4 or MOV box."""
    out = io.BytesIO()
    with av.open(out, mode="w", format=fmt) as container:
        if with_video:
            _encode_video(container, seconds, width, height)
        else:
            _encode_audio(container, seconds)
    return out.getvalue()


def _encode_video(
    container: av.container.OutputContainer, seconds: float, width: int, height: int
) -> None:
    stream = container.add_stream("mpeg4", rate=10)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    for index in range(max(1, round(seconds * 10))):
        image = Image.new("RGB", (width, height), (index * 20 % 256, 80, 160))
        frame = av.VideoFrame.from_image(image)
        frame.pts, frame.time_base = index, Fraction(1, 10)
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def _encode_audio(container: av.container.OutputContainer, seconds: float) -> None:
    stream = container.add_stream("aac", rate=44100)
    samples = int(44100 * seconds)
    frame = av.AudioFrame(format="fltp", layout="mono", samples=samples)
    for plane in frame.planes:
        plane.update(bytes(plane.buffer_size))
    frame.rate, frame.pts = 44100, 0
    container.mux(stream.encode(frame))
    container.mux(stream.encode(None))
