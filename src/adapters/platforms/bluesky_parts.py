"""What links a Bluesky post to others: `reply`, the quote and link card embeds, `langs`;
and turning a user's reference into the `{uri, cid}` strong references they need.

- a reply's `reply` is `{root, parent}`, each `{uri, cid}`; replying to a post that is
  itself a reply, the root is that post's root (read from its record);
- a quote is `app.bsky.embed.record` with the quoted post's `{uri, cid}`;
- a link card is `app.bsky.embed.external` (uri, title, description, thumbnail blob); the
  thumbnail is uploaded best effort: a card without a picture beats no post;
- a reference is resolved through the configured service: a handle to its DID
  (`resolveHandle`), then the record (`getRecord`); either missing -> `ReplyTargetNotFound`.
"""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from adapters.platforms.bluesky_answers import bearer, field
from adapters.platforms.bluesky_failures import lasting
from application.ports.credentials import Credentials
from application.ports.platforms import PlatformUnreachable
from application.ports.threads import (
    LinkCard,
    OutgoingPart,
    PlatformPostRef,
    ReplyRefs,
    ReplyTargetNotFound,
)
from domain.references import BLUESKY_POST_COLLECTION, BlueskyPostRef, PostRef

log = logging.getLogger(__name__)
MAX_THUMB_BYTES = 1_000_000


async def resolve_reference(client: Any, reference: PostRef) -> ReplyRefs:
    if not isinstance(reference, BlueskyPostRef):
        raise ValueError("not a Bluesky post reference")
    did = reference.author
    if not did.startswith("did:"):
        try:
            did = str((await client.com.atproto.identity.resolve_handle({"handle": did})).did)
        except Exception as error:
            _raise_unless_missing(error, f"no Bluesky account {reference.author}")
    params = {"repo": did, "collection": BLUESKY_POST_COLLECTION, "rkey": reference.rkey}
    try:
        found = await client.com.atproto.repo.get_record(params)
    except Exception as error:
        _raise_unless_missing(error, f"no Bluesky post {reference.at_uri}")
    if not found.cid:
        raise ReplyTargetNotFound(f"the Bluesky post {reference.at_uri} has no CID")
    parent = PlatformPostRef(str(found.uri), str(found.cid))
    root = _root_of(found.value) or parent
    return ReplyRefs(root=root, parent=parent)


def _root_of(value: Any) -> PlatformPostRef | None:
    reply = field(value, "reply", "reply")
    root = field(reply, "root", "root") if reply is not None else None
    if root is None:
        return None
    uri, cid = field(root, "uri", "uri"), field(root, "cid", "cid")
    if isinstance(uri, str) and isinstance(cid, str):
        return PlatformPostRef(uri, cid)
    return None


def _raise_unless_missing(error: Exception, message: str) -> NoReturn:
    """A 400 answer (unknown handle, record not found) means the post is not there; a
    transient failure (network, 5xx, 429) is raised as such, to be retried."""
    failure = lasting(error)
    if failure.status in (400, 404):
        raise ReplyTargetNotFound(message) from error
    raise PlatformUnreachable(f"Bluesky could not be asked: {failure.error}", sent=False)


def links(
    models: Any, part: OutgoingPart, thumb: Any | None, images: Any | None = None
) -> dict[str, Any]:
    """The record's `reply`, `embed` and `langs` fields for `part`. Images take the card's
    place (a post has one embed); with a quote they ride in `recordWithMedia`."""
    fields: dict[str, Any] = {}
    strong = models.ComAtprotoRepoStrongRef.Main
    if part.reply is not None:
        fields["reply"] = models.AppBskyFeedPost.ReplyRef(
            root=strong(uri=part.reply.root.id, cid=part.reply.root.cid),
            parent=strong(uri=part.reply.parent.id, cid=part.reply.parent.cid),
        )
    if part.quote is not None:
        quote = models.AppBskyEmbedRecord.Main(record=strong(uri=part.quote.id, cid=part.quote.cid))
        fields["embed"] = quote
        if images is not None:
            fields["embed"] = models.AppBskyEmbedRecordWithMedia.Main(record=quote, media=images)
    elif images is not None:
        fields["embed"] = images
    elif part.card is not None:
        external = models.AppBskyEmbedExternal.External(
            uri=part.card.url,
            title=part.card.title,
            description=part.card.description,
            thumb=thumb,
        )
        fields["embed"] = models.AppBskyEmbedExternal.Main(external=external)
    if part.langs:
        fields["langs"] = list(part.langs)
    return fields


async def upload_thumb(client: Any, models: Any, credentials: Credentials, card: LinkCard) -> Any:
    """The card's picture as a blob, or None when there is none or it cannot be sent."""
    if not card.thumb or not card.thumb_type or len(card.thumb) > MAX_THUMB_BYTES:
        return None
    headers = {**bearer(credentials.access_token), "Content-Type": card.thumb_type}
    try:
        response = await client.invoke_procedure(
            "com.atproto.repo.uploadBlob",
            content=card.thumb,
            headers=headers,
            output_encoding="application/json",
        )
        answer = models.get_or_create(response.content, models.ComAtprotoRepoUploadBlob.Response)
    except Exception as error:
        log.info("link card thumbnail not uploaded (%s)", type(error).__name__)
        return None
    return answer.blob
