"""How a thread part, reply or quote is written for POST /2/tweets, and X's refusals of it.

- a reply names its parent in `reply.in_reply_to_tweet_id` (X derives the conversation);
- a quote names the quoted post in `quote_tweet_id`;
- 403 "... deleted or not visible to you" -> `ReplyTargetNotFound`: the replied-to or
  quoted post is gone or hidden (a protected account); "duplicate content" ->
  `ContentRejected("duplicate_content")`.
"""

from __future__ import annotations

from typing import Any

from application.ports.platforms import ContentRejected
from application.ports.threads import OutgoingPart, PlatformPostRef, ReplyRefs, ReplyTargetNotFound
from domain.references import PostRef, XPostRef


def tweet_body(part: OutgoingPart) -> dict[str, Any]:
    body: dict[str, Any] = {"text": part.text}
    if part.reply is not None:
        body["reply"] = {"in_reply_to_tweet_id": part.reply.parent.id}
    if part.quote is not None:
        body["quote_tweet_id"] = part.quote.id
    return body


def refusal_of(status: int, message: str) -> ContentRejected | None:
    if status != 403:
        return None
    lowered = message.lower()
    if "deleted or not visible" in lowered:
        return ReplyTargetNotFound(message)
    if "duplicate" in lowered:
        return ContentRejected("duplicate_content", message)
    return None


def x_reply_refs(reference: PostRef) -> ReplyRefs:
    if not isinstance(reference, XPostRef):
        raise ValueError("not an X post reference")
    ref = PlatformPostRef(reference.post_id)
    return ReplyRefs(root=ref, parent=ref)
