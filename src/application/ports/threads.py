"""Publishing one part of a thread, a reply or a quote, and resolving the posts they name.

A part goes out with what links it to other posts: the part (or existing post) it replies
to, with the thread's root (Bluesky's `reply: {root, parent}`; X needs only the parent's
id), a quoted post, the languages and, on Bluesky, a link card. References a user gave
(`domain.references`) are resolved at publish time, because only then may the platform be
asked (Bluesky's `{uri, cid}` strong references).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from application.ports.credentials import Credentials
from application.ports.outgoing_media import OutgoingMedia
from application.ports.platforms import ContentRejected, PlatformGateway
from domain.references import PostRef

REPLY_TARGET_NOT_FOUND = "reply_target_not_found"


@dataclass(frozen=True, slots=True)
class PlatformPostRef:
    """A post as its platform names it: X's id (no CID), Bluesky's at:// URI and CID."""

    id: str
    cid: str | None = None


@dataclass(frozen=True, slots=True)
class ReplyRefs:
    """What a reply points at: its thread's first post and the post it answers."""

    root: PlatformPostRef
    parent: PlatformPostRef


@dataclass(frozen=True, slots=True)
class LinkCard:
    """A page's preview (Open Graph or HTML meta), the thumbnail already fetched."""

    url: str
    title: str
    description: str
    thumb: bytes | None = None
    thumb_type: str | None = None


@dataclass(frozen=True, slots=True)
class OutgoingPart:
    text: str
    reply: ReplyRefs | None = None
    quote: PlatformPostRef | None = None
    langs: tuple[str, ...] = ()
    card: LinkCard | None = None


@dataclass(frozen=True, slots=True)
class PublishedPart:
    platform_post_id: str
    url: str
    cid: str | None = None

    @property
    def ref(self) -> PlatformPostRef:
        return PlatformPostRef(self.platform_post_id, self.cid)


class ReplyTargetNotFound(ContentRejected):
    """The post to reply to or quote is gone, or cannot be seen by this account."""

    def __init__(self, message: str) -> None:
        super().__init__(REPLY_TARGET_NOT_FOUND, message)


@runtime_checkable
class ThreadGateway(PlatformGateway, Protocol):
    wants_link_cards: bool
    """True where the platform shows a link's card only if the post carries it (Bluesky);
    False where it builds its own (X) or nothing may be fetched (the simulated platform)."""

    @abstractmethod
    async def publish_part(
        self, credentials: Credentials, part: OutgoingPart, media: Sequence[OutgoingMedia] = ()
    ) -> PublishedPart:
        """Sends one post with its links and media; the errors are `publish`'s, plus
        `ReplyTargetNotFound` when the replied-to or quoted post is gone."""

    @abstractmethod
    async def resolve(self, credentials: Credentials, reference: PostRef) -> ReplyRefs:
        """The referenced post (`parent`) and the root of its thread (`root`: the post
        itself unless it is a reply). `ReplyTargetNotFound` when it does not exist."""
