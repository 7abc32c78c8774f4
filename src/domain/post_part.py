"""One part of a target's delivery: the single post, or one post of a thread.

A part is pending until sent; published (with the platform's id, URL and, on Bluesky, the
CID the next part's reply needs); failed (refused, or its fate unknown); or skipped (it
was never sent because a part before it failed). Parts are sent in order, and a part is
recorded before the next one leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class PartStatus(StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(slots=True)
class PostPart:
    index: int
    content: str
    media: tuple[UUID, ...] = ()
    status: PartStatus = PartStatus.PENDING
    platform_post_id: str | None = None
    platform_post_url: str | None = None
    cid: str | None = None

    @property
    def is_published(self) -> bool:
        return self.status is PartStatus.PUBLISHED

    def published(self, platform_post_id: str, url: str, cid: str | None) -> None:
        self.status = PartStatus.PUBLISHED
        self.platform_post_id, self.platform_post_url, self.cid = platform_post_id, url, cid

    def failed(self) -> None:
        self.status = PartStatus.FAILED

    def skipped(self) -> None:
        self.status = PartStatus.SKIPPED


def fresh_parts(specs: list[tuple[str, tuple[UUID, ...]]]) -> list[PostPart]:
    return [PostPart(index, content, media) for index, (content, media) in enumerate(specs)]
