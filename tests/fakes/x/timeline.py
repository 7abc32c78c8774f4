"""GET /2/users/:id/tweets: a user's posts, newest first (X's user Tweet timeline).

Parameters the project uses: `max_results` (5-100, default 10), `since_id`,
`pagination_token` and `tweet.fields` (`created_at`, `conversation_id`,
`referenced_tweets`, `author_id`; `id`, `text` and `edit_history_tweet_ids` always come).
An unknown user is a 200 with an `errors` list and no `data`, as X answers it; a protected
user's posts are visible only to that user. Deleted posts never appear.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from .records import Tweet, XUser
from .wire import Refused, Reply

FIELDS = frozenset({"created_at", "conversation_id", "referenced_tweets", "author_id"})


def user_timeline(
    user: XUser | None,
    user_id: str,
    viewer_id: str,
    tweets: Sequence[Tweet],
    query: dict[str, str],
    headers: list[tuple[str, str]],
) -> Reply:
    if user is None:
        error = {
            "value": user_id,
            "detail": f"Could not find user with id: [{user_id}].",
            "title": "Not Found Error",
            "resource_type": "user",
            "parameter": "id",
            "resource_id": user_id,
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        }
        return Reply.json(200, {"errors": [error]}, headers=headers)
    if user.protected and viewer_id != user.id:
        raise Refused(Reply.problem(403, "Forbidden", "Protected user", headers=headers))
    limit = _max_results(query.get("max_results", "10"))
    since = int(query.get("since_id") or 0)
    before = int(query.get("pagination_token") or 0)
    mine = [t for t in reversed(tweets) if t.author_id == user_id and int(t.id) > since]
    mine = [t for t in mine if not before or int(t.id) < before]
    page = mine[:limit]
    requested = set(query.get("tweet.fields", "").split(",")) & FIELDS
    meta: dict[str, Any] = {"result_count": len(page)}
    if page:
        meta |= {"newest_id": page[0].id, "oldest_id": page[-1].id}
    if len(mine) > limit:
        meta["next_token"] = page[-1].id
    body: dict[str, Any] = {"meta": meta}
    if page:
        body["data"] = [_fields(tweet, requested) for tweet in page]
    return Reply.json(200, body, headers=headers)


def _max_results(value: str) -> int:
    if not value.isdigit() or not 5 <= int(value) <= 100:
        raise Refused(
            Reply.problem(
                400,
                "Invalid Request",
                f"The `max_results` query parameter value [{value}] is not between 5 and 100",
            )
        )
    return int(value)


def _fields(tweet: Tweet, requested: set[str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": tweet.id,
        "text": tweet.text,
        "edit_history_tweet_ids": list(tweet.edit_history_tweet_ids),
    }
    if "created_at" in requested:
        at = datetime.fromtimestamp(tweet.created_at, UTC)
        data["created_at"] = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
    if "conversation_id" in requested:
        data["conversation_id"] = tweet.conversation_id or tweet.id
    if "author_id" in requested:
        data["author_id"] = tweet.author_id
    if "referenced_tweets" in requested and tweet.referenced_tweets():
        data["referenced_tweets"] = tweet.referenced_tweets()
    return data
