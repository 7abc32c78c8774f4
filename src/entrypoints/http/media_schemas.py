"""The wire format of media."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from domain import media as domain
from domain.media import MAX_ALT_TEXT_LENGTH
from entrypoints.http.schemas import Timestamp, utc_seconds

AltText = (
    Annotated[
        str,
        msgspec.Meta(max_length=MAX_ALT_TEXT_LENGTH, description="Read aloud by screen readers."),
    ]
    | None
)


class NewMediaFromUrl(msgspec.Struct, forbid_unknown_fields=True):
    url: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
    alt_text: AltText = None


class MediaChanges(msgspec.Struct, forbid_unknown_fields=True):
    alt_text: AltText


class Media(msgspec.Struct):
    """An uploaded image, GIF or video."""

    id: str
    kind: Literal["image", "gif", "video"]
    content_type: str
    size_bytes: int
    width: int
    height: int
    duration_ms: int | None
    alt_text: str | None
    sha256: str
    created_at: Timestamp


class MediaList(msgspec.Struct):
    data: list[Media]
    has_more: bool


def media_out(media: domain.Media) -> Media:
    return Media(
        id=str(media.id),
        kind=media.kind.value,
        content_type=media.content_type,
        size_bytes=media.size_bytes,
        width=media.width,
        height=media.height,
        duration_ms=media.duration_ms,
        alt_text=media.alt_text,
        sha256=media.sha256,
        created_at=utc_seconds(media.created_at),
    )
