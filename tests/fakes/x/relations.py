"""Replies and quotes on POST /2/tweets: `reply.in_reply_to_tweet_id` and `quote_tweet_id`.

X refuses, with 403 and a problem document:
- a reply to a post that was deleted, never existed, or is not visible to the author
  (its author is protected): "You attempted to reply to a Tweet that is deleted or not
  visible to you." (X's error 385, the same words on v2);
- a quote of such a post, in the same words for a quote.
Both fields together, or a malformed id, are a 400 Invalid Request naming the parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .records import Tweet
from .wire import PROBLEM_JSON, Refused, Reply

REPLY_NOT_VISIBLE = "You attempted to reply to a Tweet that is deleted or not visible to you."
QUOTE_NOT_VISIBLE = "You attempted to quote a Tweet that is deleted or not visible to you."


@dataclass(frozen=True)
class Relations:
    in_reply_to: Tweet | None = None
    quoted: Tweet | None = None

    @property
    def conversation_id(self) -> str:
        parent = self.in_reply_to
        return (parent.conversation_id or parent.id) if parent else ""


def read_relations(
    body: Any,
    visible: dict[str, Tweet],
    author_can_see: Callable[[Tweet], bool],
    headers: list[tuple[str, str]],
) -> Relations:
    """The posts that `body` replies to and quotes, checked; `visible` holds the live posts
    by id and `author_can_see(tweet)` says whether the poster may see one."""
    if not isinstance(body, dict):
        return Relations()
    reply, quote = body.get("reply"), body.get("quote_tweet_id")
    parent_id = reply.get("in_reply_to_tweet_id") if isinstance(reply, dict) else None
    if reply is not None and not _is_id(parent_id):
        raise _invalid("$.reply.in_reply_to_tweet_id: a numeric post id is required", headers)
    if quote is not None and not _is_id(quote):
        raise _invalid("$.quote_tweet_id: a numeric post id is required", headers)
    if reply is not None and quote is not None:
        raise _invalid("quote_tweet_id and reply are mutually exclusive", headers)
    return Relations(
        _visible(parent_id, visible, author_can_see, REPLY_NOT_VISIBLE, headers),
        _visible(quote, visible, author_can_see, QUOTE_NOT_VISIBLE, headers),
    )


def _visible(
    tweet_id: Any,
    visible: dict[str, Tweet],
    author_can_see: Callable[[Tweet], bool],
    message: str,
    headers: list[tuple[str, str]],
) -> Tweet | None:
    if tweet_id is None:
        return None
    tweet = visible.get(tweet_id)
    if tweet is None or not author_can_see(tweet):
        raise Refused(Reply.problem(403, "Forbidden", message, headers=headers))
    return tweet


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and value.isdigit() and 0 < len(value) <= 19


def _invalid(message: str, headers: list[tuple[str, str]]) -> Refused:
    body = {
        "errors": [{"parameters": {}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }
    return Refused(Reply.json(400, body, content_type=PROBLEM_JSON, headers=headers))
