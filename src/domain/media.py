"""Media: an image, an animated GIF or a video a workspace uploaded, kept once and attached
to any number of posts.

- The kind and the content type come from the bytes, never from a file name or a declared
  type (the sniffing is an adapter's job; the domain only keeps what it found).
- A video has a duration; an image or a GIF has none.
- Alt text is at most 1,000 characters: X's limit, the strictest of the platforms.
- The stored bytes are addressed by `storage_key`, derived from the workspace and the id so
  two workspaces can never share or guess each other's objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.errors import InvalidMediaInput, MediaTooLarge

MAX_ALT_TEXT_LENGTH = 1000


class MediaKind(StrEnum):
    IMAGE = "image"
    GIF = "gif"
    VIDEO = "video"


@dataclass(frozen=True, slots=True)
class MediaFacts:
    """What the bytes say about themselves, once decoded and checked."""

    kind: MediaKind
    content_type: str
    width: int
    height: int
    duration_ms: int | None = None


@dataclass(frozen=True, slots=True)
class StoredBytes:
    """What a media store kept: the exact size and SHA-256 (hex) of the bytes written."""

    size_bytes: int
    sha256: str


class MediaFamily(StrEnum):
    """What the first bytes of an upload say it is, before it is decoded: a still-image
    format, GIF (still or animated, known only once decoded), or a video container."""

    IMAGE = "image"
    GIF = "gif"
    VIDEO = "video"


@dataclass(frozen=True, slots=True)
class MediaCaps:
    """Upload size caps per kind (MEDIA_MAX_IMAGE_BYTES, ..._GIF_..., ..._VIDEO_...)."""

    image_bytes: int = 20 * 1024 * 1024
    gif_bytes: int = 15 * 1024 * 1024
    video_bytes: int = 512 * 1024 * 1024

    def for_kind(self, kind: MediaKind) -> int:
        return {
            MediaKind.IMAGE: self.image_bytes,
            MediaKind.GIF: self.gif_bytes,
            MediaKind.VIDEO: self.video_bytes,
        }[kind]

    def for_family(self, family: MediaFamily) -> int:
        """The most an upload of this family may be before it is decoded: a GIF may still
        turn out to be a still image, so it gets the larger of the two caps until then."""
        if family is MediaFamily.GIF:
            return max(self.image_bytes, self.gif_bytes)
        return self.video_bytes if family is MediaFamily.VIDEO else self.image_bytes

    @property
    def largest(self) -> int:
        return max(self.image_bytes, self.gif_bytes, self.video_bytes)

    def check(self, kind: MediaKind, size_bytes: int) -> None:
        limit = self.for_kind(kind)
        if size_bytes > limit:
            raise MediaTooLarge(kind.value, limit)


def check_alt_text(alt_text: str | None) -> str | None:
    """Alt text is optional; when given it is at most 1,000 characters."""
    if alt_text is not None and len(alt_text) > MAX_ALT_TEXT_LENGTH:
        raise InvalidMediaInput("alt_text", f"at most {MAX_ALT_TEXT_LENGTH} characters")
    return alt_text


def media_storage_key(workspace_id: UUID, media_id: UUID) -> str:
    return f"{workspace_id}/{media_id}"


def parse_storage_key(key: str) -> tuple[UUID, UUID] | None:
    """The workspace and media ids of a `media_storage_key`; None for any other key."""
    workspace, _, media = key.partition("/")
    try:
        return UUID(workspace), UUID(media)
    except ValueError:
        return None


@dataclass(slots=True)
class Media:
    id: UUID
    workspace_id: UUID
    kind: MediaKind
    content_type: str
    size_bytes: int
    width: int
    height: int
    duration_ms: int | None
    alt_text: str | None
    sha256: str
    created_at: datetime

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        workspace_id: UUID,
        facts: MediaFacts,
        stored: StoredBytes,
        alt_text: str | None,
        now: datetime,
    ) -> Media:
        duration = facts.duration_ms if facts.kind is MediaKind.VIDEO else None
        return cls(
            id=id,
            workspace_id=workspace_id,
            kind=facts.kind,
            content_type=facts.content_type,
            size_bytes=stored.size_bytes,
            width=facts.width,
            height=facts.height,
            duration_ms=duration,
            alt_text=check_alt_text(alt_text),
            sha256=stored.sha256,
            created_at=now,
        )

    @property
    def storage_key(self) -> str:
        return media_storage_key(self.workspace_id, self.id)

    def describe(self, alt_text: str | None) -> None:
        """Replaces the alt text; None removes it."""
        self.alt_text = check_alt_text(alt_text)
