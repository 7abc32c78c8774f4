"""The v2 API surface the project uses: GET /2/users/me, POST /2/tweets (with replies and
quotes, `relations`, and media), GET /2/users/:id/tweets (`timeline`) and media upload
(`media`)."""

from __future__ import annotations

from typing import Any

from .clock import FakeClock
from .daily import DailyCaps
from .media import MediaUploads
from .oauth import OAuthServer
from .ratelimit import RateLimiter
from .records import AccessToken, Tweet
from .registry import Registry
from .relations import read_relations
from .text import MAX_WEIGHTED_LENGTH, weighted_length
from .timeline import user_timeline
from .wire import PROBLEM_JSON, Refused, Reply, Request

TWEPOCH_MS = 1288834974657
USERS_ME_SCOPES = frozenset({"tweet.read", "users.read"})
CREATE_TWEET_SCOPES = frozenset({"tweet.read", "tweet.write", "users.read"})
MEDIA_SCOPES = frozenset({"media.write"})
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
TOO_LONG = (
    "Your Tweet text is too long. For more information on how Twitter determines "
    "text length see https://github.com/twitter/twitter-text."
)


def invalid_request(message: str, headers: list[tuple[str, str]]) -> Refused:
    """X's 400 shape: a problem whose `errors` list says which parameter was wrong.

    Unlike the other problems it carries no `status` member, as on the real API.
    """
    body = {
        "errors": [{"parameters": {}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }
    return Refused(Reply.json(400, body, content_type=PROBLEM_JSON, headers=headers))


class ApiServer:
    """Resource-server rules: bearer token, scopes, rate limit, then the action."""

    def __init__(self, registry: Registry, oauth: OAuthServer, clock: FakeClock) -> None:
        self.registry = registry
        self.oauth = oauth
        self.clock = clock
        self.limiter = RateLimiter()
        self.daily = DailyCaps()
        self.tweets: list[Tweet] = []
        self.deleted: set[str] = set()
        self.media = MediaUploads()
        self._last_id = 0

    def users_me(self, authorization: str, query: dict[str, str]) -> Reply:
        """The token's user; extra fields only when named in `user.fields`."""
        token = self._authorized(authorization, USERS_ME_SCOPES)
        headers = self._count("users_me", token)
        requested = set(query.get("user.fields", "").split(","))
        user = self.registry.users[token.user_id]
        return Reply.json(200, {"data": user.fields(requested)}, headers=headers)

    def create_tweet(self, authorization: str, request: Request) -> Reply:
        """Post as the token's user: ≤ 280 weighted chars, never the same text twice; a
        reply or quote only of a live post the user can see; within the 24-hour caps. Text
        may be empty when the post carries media, which must be usable (`MediaUploads`)."""
        token = self._authorized(authorization, CREATE_TWEET_SCOPES)
        headers = self._count("create_tweet", token)
        daily = self.daily.hit(token.user_id, token.client_id, self.clock.now())
        headers += daily.headers
        if daily.exceeded:
            raise Refused(Reply.problem(429, "Too Many Requests", headers=headers))
        body = self._body(request, headers)
        media_ids = self._media_ids(body, headers)
        text = body.get("text", "")
        if not isinstance(text, str) or (not text.strip() and body.get("media") is None):
            raise invalid_request("$.text: a non-empty text is required without media.", headers)
        if weighted_length(text) > MAX_WEIGHTED_LENGTH:
            raise invalid_request(TOO_LONG, headers)
        related = read_relations(
            body, self.live(), lambda t: self.can_see(token.user_id, t), headers
        )
        if text and any(t.author_id == token.user_id and t.text == text for t in self.tweets):
            raise Refused(Reply.problem(403, "Forbidden", DUPLICATE, headers=headers))
        if body.get("media") is not None:
            self.media.usable(token, media_ids, self.clock.now())
        tweet_id = self.next_id()
        parent, quoted = related.in_reply_to, related.quoted
        tweet = Tweet(
            tweet_id, text, token.user_id, self.clock.now(), (tweet_id,),
            in_reply_to_tweet_id=parent.id if parent else None,
            quote_tweet_id=quoted.id if quoted else None,
            conversation_id=related.conversation_id or tweet_id,
            media_ids=media_ids,
        )  # fmt: skip
        self.tweets.append(tweet)
        data = {"id": tweet.id, "text": tweet.text, "edit_history_tweet_ids": [tweet.id]}
        return Reply.json(201, {"data": data}, headers=headers)

    def user_tweets(self, authorization: str, user_id: str, query: dict[str, str]) -> Reply:
        token = self._authorized(authorization, USERS_ME_SCOPES)
        headers = self._count("user_tweets", token)
        user = self.registry.users.get(user_id)
        live = [t for t in self.tweets if t.id not in self.deleted]
        return user_timeline(user, user_id, token.user_id, live, query, headers)

    def media_initialize(self, authorization: str, request: Request) -> Reply:
        token = self._authorized(authorization, MEDIA_SCOPES)
        self._count("media_initialize", token)
        return self.media.initialize(token, request, self.clock.now(), self.next_id())

    def media_append(self, authorization: str, media_id: str, request: Request) -> Reply:
        token = self._authorized(authorization, MEDIA_SCOPES)
        self._count("media_append", token)
        return self.media.append(token, media_id, request, self.clock.now())

    def media_finalize(self, authorization: str, media_id: str) -> Reply:
        token = self._authorized(authorization, MEDIA_SCOPES)
        self._count("media_finalize", token)
        return self.media.finalize(token, media_id, self.clock.now())

    def media_status(self, authorization: str, query: dict[str, str]) -> Reply:
        token = self._authorized(authorization, MEDIA_SCOPES)
        self._count("media_status", token)
        return self.media.status(token, query, self.clock.now())

    def media_metadata(self, authorization: str, request: Request) -> Reply:
        token = self._authorized(authorization, MEDIA_SCOPES)
        self._count("media_metadata", token)
        return self.media.metadata(token, request, self.clock.now())

    def live(self) -> dict[str, Tweet]:
        return {t.id: t for t in self.tweets if t.id not in self.deleted}

    def can_see(self, viewer_id: str, tweet: Tweet) -> bool:
        author = self.registry.users.get(tweet.author_id)
        return tweet.author_id == viewer_id or author is None or not author.protected

    def _authorized(self, authorization: str, scopes: frozenset[str]) -> AccessToken:
        """401 for a bad token; 403 when the user did not grant every needed scope."""
        token = self.oauth.authenticate(authorization)
        if not scopes <= set(token.scopes):
            raise Refused(Reply.problem(403, "Forbidden"))
        return token

    def _count(self, endpoint: str, token: AccessToken) -> list[tuple[str, str]]:
        quota = self.limiter.hit(endpoint, token.user_id, self.clock.now())
        if quota.exceeded:
            raise Refused(Reply.problem(429, "Too Many Requests", headers=quota.headers()))
        return quota.headers()

    @staticmethod
    def _body(request: Request, headers: list[tuple[str, str]]) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("application/json"):
            raise invalid_request(
                "Requests with bodies must have content-type of application/json.", headers
            )
        try:
            body = request.json()
        except ValueError:
            raise invalid_request("Request body is not valid JSON.", headers) from None
        if not isinstance(body, dict):
            raise invalid_request("Request body must be a JSON object.", headers)
        return body

    @staticmethod
    def _media_ids(body: dict[str, Any], headers: list[tuple[str, str]]) -> tuple[str, ...]:
        media = body.get("media")
        if media is None:
            return ()
        ids = media.get("media_ids") if isinstance(media, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise invalid_request("$.media.media_ids: a list of id strings is required.", headers)
        return tuple(ids)

    def next_id(self) -> str:
        """Snowflake-shaped, strictly increasing even while the fake clock stands still."""
        snowflake = (int(self.clock.now() * 1000) - TWEPOCH_MS) << 22
        self._last_id = max(self._last_id + 1, snowflake)
        return str(self._last_id)
