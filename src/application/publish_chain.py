"""Sends a target part after part: a thread, or a post that replies to or quotes another.

- Each part replies to the part before it: on X to its id; on Bluesky `{root, parent}`,
  the root being the first part (or, when the thread itself replies to an existing post,
  that post's root, resolved through the platform at publish time).
- Each published part is recorded (`PartPublished`, which also renews the lease) before the
  next one is sent: a worker that dies between two parts leaves the truth behind, and at
  most once holds per part.
- A retry starts at the first part not yet published and never sends an earlier one again.
- A part whose earlier send answered 5xx is sent again on the retry; where the platform then
  says "duplicate content" and can look posts up (`RecentPostFinder`, X), the post the
  earlier send created is searched among the account's recent ones (same text, same reply
  parent) and recorded as that part, published; only if none is found does the refusal
  stand. Only the first part a retry sends can have been sent before.
- Once a part is out, a later failure is wrapped in `ThreadBroken` with how many parts went
  out, so the publisher can tell a retry (nothing sent) from `outcome_unknown` (sent, no
  answer) from `thread_incomplete` (refused for good).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from application.ports.credentials import Credentials
from application.ports.link_cards import LinkCardSource
from application.ports.outcomes import OutcomeRecorder
from application.ports.outgoing_media import OutgoingMedia
from application.ports.platforms import ContentRejected, PlatformError, PlatformUnreachable
from application.ports.publish_queue import ClaimedTarget
from application.ports.recent_posts import RecentPostFinder
from application.ports.threads import (
    LinkCard,
    OutgoingPart,
    PlatformPostRef,
    PublishedPart,
    ReplyRefs,
    ThreadGateway,
)
from domain.outcomes import Outcome, PartPublished, Published
from domain.post_part import PartStatus, PostPart
from domain.references import parse_reference
from domain.text import first_link

THREAD_INCOMPLETE = "thread_incomplete"
DUPLICATE = "duplicate_content"


class ThreadBroken(Exception):
    """A part after the first published ones failed; `cause` says how."""

    def __init__(self, cause: Exception, published: int) -> None:
        super().__init__(str(cause))
        self.cause, self.published = cause, published


@dataclass(frozen=True, slots=True)
class _Links:
    reply: ReplyRefs | None
    quote: PlatformPostRef | None


class PublishChain:
    def __init__(
        self, outcomes: OutcomeRecorder, lease: timedelta, cards: LinkCardSource | None = None
    ) -> None:
        self.outcomes, self.lease, self.cards = outcomes, lease, cards

    async def send(
        self,
        gateway: ThreadGateway,
        credentials: Credentials,
        claimed: ClaimedTarget,
        media: Sequence[OutgoingMedia] = (),
    ) -> Outcome:
        """`media` is `claimed.sent_media_ids` read for sending, in that order; each part
        takes its own."""
        by_id = dict(zip(claimed.sent_media_ids, media, strict=False))
        parts = claimed.parts
        pending = [part for part in parts if part.status is PartStatus.PENDING]
        if pending:
            links = await self._links(gateway, credentials, claimed)
            root = links.reply.root if links.reply else _ref(parts[0])
            start = pending[0].index
            parent = _ref(parts[start - 1]) if start > 0 else None
            if start == 0 and links.reply is not None:
                parent = links.reply.parent
            for part in parts[start:]:
                own = [by_id[m] for m in part.media if m in by_id]
                resent = part.index == start and claimed.attempts > 1
                parent = await self._send_part(
                    gateway, credentials, claimed, part, links, root, parent, own, resent
                )
                root = root or parent
        first = parts[0]
        return Published(first.platform_post_id or "", first.platform_post_url or "")

    async def _send_part(
        self,
        gateway: ThreadGateway,
        credentials: Credentials,
        claimed: ClaimedTarget,
        part: PostPart,
        links: _Links,
        root: PlatformPostRef | None,
        parent: PlatformPostRef | None,
        media: Sequence[OutgoingMedia],
        resent: bool = False,
    ) -> PlatformPostRef:
        """`resent`: this part may have been sent by the attempt before (its first part not
        yet recorded), so a duplicate refusal may be that earlier send's own post."""
        reply = ReplyRefs(root or parent, parent) if parent is not None else None
        quote = links.quote if part.index == 0 else None
        wants_card = gateway.wants_link_cards
        outgoing = OutgoingPart(
            text=part.content,
            reply=reply,
            quote=quote,
            langs=claimed.links.langs,
            card=await self._card(claimed, part) if quote is None and wants_card else None,
        )
        try:
            published = await self._publish(gateway, credentials, outgoing, media, resent)
        except Exception as error:
            done = sum(1 for p in claimed.parts if p.is_published)
            if done:
                raise ThreadBroken(error, done) from error
            raise
        part.published(published.platform_post_id, published.url, published.cid)
        outcome = PartPublished(
            part.index, published.platform_post_id, published.url, published.cid, self.lease
        )
        await self.outcomes.record(claimed, outcome)
        return published.ref

    async def _publish(
        self,
        gateway: ThreadGateway,
        credentials: Credentials,
        outgoing: OutgoingPart,
        media: Sequence[OutgoingMedia],
        resent: bool,
    ) -> PublishedPart:
        try:
            return await gateway.publish_part(credentials, outgoing, media)
        except ContentRejected as refused:
            if refused.code != DUPLICATE or not resent:
                raise
            if not isinstance(gateway, RecentPostFinder):
                raise
            parent = outgoing.reply.parent.id if outgoing.reply else None
            try:
                found = await gateway.find_recent(credentials, outgoing.text, parent)
            except PlatformError as error:
                message = f"Could not look up an earlier attempt: {error}"
                raise PlatformUnreachable(message, sent=False) from error
            if found is None:
                raise
            return PublishedPart(found.platform_post_id, found.url)

    async def _card(self, claimed: ClaimedTarget, part: PostPart) -> LinkCard | None:
        """Bluesky builds no card itself: a part without media whose text has a link gets
        one, unless the post turned them off. A page that cannot be read gives none."""
        if self.cards is None:
            return None
        link = first_link(part.content)
        if link is None or part.media or not claimed.links.link_cards:
            return None
        return await self.cards.card_for(link)

    async def _links(
        self, gateway: ThreadGateway, credentials: Credentials, claimed: ClaimedTarget
    ) -> _Links:
        """The first part's reply and quote targets, resolved now (Bluesky needs CIDs)."""
        platform, links = claimed.platform, claimed.links
        reply = quote = None
        if links.reply_to:
            reply = await gateway.resolve(credentials, parse_reference(platform, links.reply_to))
        if links.quote_of:
            quoted = await gateway.resolve(credentials, parse_reference(platform, links.quote_of))
            quote = quoted.parent
        return _Links(reply, quote)


def _ref(part: PostPart) -> PlatformPostRef | None:
    if part.platform_post_id is None or not part.is_published:
        return None
    return PlatformPostRef(part.platform_post_id, part.cid)
