"""Finding a post X created although it answered 5xx, among the account's recent posts.

A 5xx from POST /2/tweets may come after X created the post; the retry then meets
"duplicate content". The post is the account's own, made moments ago, so it is among its
latest posts (GET /2/users/:id/tweets, newest first): the one with the same text and the
same reply parent (none for a post that replies to nothing), created in the last 24 hours.
X normalizes text (NFC) before storing it, so the comparison does too.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from application.ports.platforms import PlatformUnreachable

LOOKBACK = timedelta(hours=24)
PAGE = 100

Fetch = Callable[[str, dict[str, str]], Awaitable[Mapping[str, Any]]]


async def find_recent(
    fetch: Fetch, user_id: str, text: str, in_reply_to: str | None, now: datetime
) -> str | None:
    """The id of the account's recent post with `text` replying to `in_reply_to`, or None.
    `fetch(path, params)` returns X's JSON answer (errors raised as port errors)."""
    params = {
        "max_results": str(PAGE),
        "tweet.fields": "created_at,referenced_tweets",
    }
    body = await fetch(f"/2/users/{user_id}/tweets", params)
    data = body.get("data", [])
    if not isinstance(data, list):
        raise PlatformUnreachable("X's timeline answer has no list of posts", sent=True)
    wanted = _normal(text)
    for post in data:
        if not isinstance(post, dict) or _normal(str(post.get("text", ""))) != wanted:
            continue
        if _parent(post) != in_reply_to or _too_old(post, now):
            continue
        post_id = post.get("id")
        if isinstance(post_id, str) and post_id:
            return post_id
    return None


def _normal(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _parent(post: Mapping[str, Any]) -> str | None:
    for reference in post.get("referenced_tweets") or []:
        if isinstance(reference, dict) and reference.get("type") == "replied_to":
            return str(reference.get("id"))
    return None


def _too_old(post: Mapping[str, Any], now: datetime) -> bool:
    created = post.get("created_at")
    if not isinstance(created, str):
        return False
    try:
        at = datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return False
    return at < now - LOOKBACK
