"""The type an upload claims with its first bytes, before anything decodes it.

Only these signatures are accepted; a decoder then proves the claim (a PNG signature on
bytes that do not decode as PNG is invalid media, not some other type). Knowing the type
from the first bytes lets an upload be refused, or held to its cap, while it streams.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.media import MediaFamily

HEAD_BYTES = 12
_MOV_FIRST_BOXES = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")


@dataclass(frozen=True, slots=True)
class Sniffed:
    family: MediaFamily
    content_type: str
    pillow_format: str | None
    """The format Pillow must find; None for video."""


def sniff(head: bytes) -> Sniffed | None:
    """`head` is the first `HEAD_BYTES` bytes (fewer only if the file is shorter)."""
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(MediaFamily.IMAGE, "image/jpeg", "JPEG")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(MediaFamily.IMAGE, "image/png", "PNG")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed(MediaFamily.IMAGE, "image/webp", "WEBP")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed(MediaFamily.GIF, "image/gif", "GIF")
    if head[4:8] == b"ftyp":
        quicktime = head[8:12] == b"qt  "
        return Sniffed(MediaFamily.VIDEO, "video/quicktime" if quicktime else "video/mp4", None)
    if head[4:8] in _MOV_FIRST_BOXES:
        return Sniffed(MediaFamily.VIDEO, "video/quicktime", None)
    return None
