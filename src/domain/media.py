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

from domain.errors import InvalidMediaInput

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


def check_alt_text(alt_text: str | None) -> str | None:
    """Alt text is optional; when given it is at most 1,000 characters."""
    if alt_text is not None and len(alt_text) > MAX_ALT_TEXT_LENGTH:
        raise InvalidMediaInput("alt_text", f"at most {MAX_ALT_TEXT_LENGTH} characters")
    return alt_text


def media_storage_key(workspace_id: UUID, media_id: UUID) -> str:
    return f"{workspace_id}/{media_id}"


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
