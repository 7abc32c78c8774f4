"""Which media each platform takes on one post, checked before anything is stored.

- X: 1 to 4 images, or exactly one GIF, or exactly one video of at most 140 s; never a mix.
- Bluesky: 1 to 4 images; a GIF or a video is `media_not_supported`.
- No media is always fine (the text then carries the post).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from domain.errors import InvalidMediaInput, MediaNotSupported
from domain.media import MediaKind
from domain.platform import Platform

MAX_IMAGES = 4
X_MAX_VIDEO_MS = 140_000


class Attachment(Protocol):
    """What the rules read of a piece of media: a stored `Media`, or the same media on its
    way to the platform (the publisher checks again before any upload)."""

    @property
    def kind(self) -> MediaKind: ...

    @property
    def duration_ms(self) -> int | None: ...


def media_field(platform: Platform | None) -> str:
    return "media" if platform is None else f"platform_overrides.{platform.value}.media"


def check_media_for(platform: Platform, media: Sequence[Attachment], field: str) -> None:
    if not media:
        return
    kinds = [m.kind for m in media]
    if platform is Platform.BLUESKY:
        if any(kind is not MediaKind.IMAGE for kind in kinds):
            raise MediaNotSupported(field, "Bluesky takes images only, not GIFs or videos")
        _check_images(len(kinds), field, "Bluesky")
        return
    if platform is Platform.TWITTER:
        _check_x(media, field)


def _check_images(count: int, field: str, platform: str) -> None:
    if count > MAX_IMAGES:
        raise InvalidMediaInput(field, f"{platform} takes at most {MAX_IMAGES} images")


def _check_x(media: Sequence[Attachment], field: str) -> None:
    kinds = {m.kind for m in media}
    if len(kinds) > 1:
        raise InvalidMediaInput(field, "X does not mix images, GIFs and videos in one post")
    kind = kinds.pop()
    if kind is MediaKind.IMAGE:
        _check_images(len(media), field, "X")
    elif len(media) > 1:
        raise InvalidMediaInput(field, f"X takes exactly one {kind.value} per post")
    elif kind is MediaKind.VIDEO and (media[0].duration_ms or 0) > X_MAX_VIDEO_MS:
        raise InvalidMediaInput(field, "X takes videos of at most 140 seconds")
