from abc import abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from application.ports.credentials import StoredCredentials
from domain.integration import Integration
from domain.media import Media
from domain.platform import Platform
from domain.post_part import PostPart
from domain.text import first_link
from domain.thread import TargetLinks
from domain.workspace import WorkspaceMode


@dataclass(frozen=True, slots=True)
class PublishContext:
    """What a publish checks and sends with, as read in the claim's transaction: the
    integration and its workspace's mode (None when gone), the stored credentials, and the
    rows of the target's media, in the post's order (any that no longer exist left out)."""

    integration: Integration | None
    mode: WorkspaceMode | None
    credentials: StoredCredentials | None
    media: tuple[Media, ...] = ()


@dataclass(frozen=True, slots=True)
class ClaimedTarget:
    """A target a worker now holds: everything needed to publish it without reading the
    post again, and, once `ClaimDueTargets` has read it, its `context`."""

    post_id: UUID
    target_id: UUID
    workspace_id: UUID
    integration_id: UUID
    platform: Platform
    content: str
    attempts: int
    context: PublishContext | None = None
    media_ids: tuple[UUID, ...] = ()
    parts: tuple[PostPart, ...] = ()
    links: TargetLinks = field(default_factory=TargetLinks)

    @property
    def is_chain(self) -> bool:
        """Sent part by part, with links: several parts, a reply, quote or languages, or
        a Bluesky link that gets a card."""
        if len(self.parts) > 1 or self.links.any:
            return True
        card = self.platform is Platform.BLUESKY and self.links.link_cards
        return card and bool(self.parts) and first_link(self.parts[0].content) is not None

    @property
    def sent_media_ids(self) -> tuple[UUID, ...]:
        """Every media id this target sends, once each: the post's for a single post, each
        part's own for a chain."""
        if not self.is_chain:
            return self.media_ids
        return tuple(dict.fromkeys(m for part in self.parts for m in part.media))


class PublishQueue(Protocol):
    """The due targets, seen as a queue that several workers share."""

    @abstractmethod
    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[ClaimedTarget]:
        """Moves up to `limit` pending targets with `next_attempt_at <= now`, earliest first,
        to publishing: one more attempt, leased until `now + lease` (the domain's
        `PostTarget.claim`). Two units of work never claim the same target (PostgreSQL:
        `FOR UPDATE SKIP LOCKED`). The claim is durable once the unit of work commits,
        before any platform is called."""

    @abstractmethod
    async def expired_leases(self, now: datetime, limit: int) -> list[tuple[UUID, UUID]]:
        """(post id, target id) of publishing targets whose lease ended at or before `now`."""
