"""The v2 API surface the project uses: GET /2/users/me, POST /2/tweets (with replies and
quotes, `relations`) and GET /2/users/:id/tweets (`timeline`)."""

from __future__ import annotations

from .clock import FakeClock
from .daily import DailyCaps
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
        reply or quote only of a live post the user can see; within the 24-hour caps."""
        token = self._authorized(authorization, CREATE_TWEET_SCOPES)
        headers = self._count("create_tweet", token)
        daily = self.daily.hit(token.user_id, token.client_id, self.clock.now())
        headers += daily.headers
        if daily.exceeded:
            raise Refused(Reply.problem(429, "Too Many Requests", headers=headers))
        text = self._text(request, headers)
        if weighted_length(text) > MAX_WEIGHTED_LENGTH:
            raise invalid_request(TOO_LONG, headers)
        related = read_relations(
            request.json(), self.live(), lambda t: self.can_see(token.user_id, t), headers
        )
        if any(t.author_id == token.user_id and t.text == text for t in self.tweets):
            raise Refused(Reply.problem(403, "Forbidden", DUPLICATE, headers=headers))
        tweet_id = self.next_id()
        parent, quoted = related.in_reply_to, related.quoted
        tweet = Tweet(
            tweet_id, text, token.user_id, self.clock.now(), (tweet_id,),
            in_reply_to_tweet_id=parent.id if parent else None,
            quote_tweet_id=quoted.id if quoted else None,
            conversation_id=related.conversation_id or tweet_id,
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
    def _text(request: Request, headers: list[tuple[str, str]]) -> str:
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("application/json"):
            raise invalid_request(
                "Requests with bodies must have content-type of application/json.", headers
            )
        try:
            body = request.json()
        except ValueError:
            raise invalid_request("Request body is not valid JSON.", headers) from None
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise invalid_request(
                "$.text: a non-empty text is required (media is not modelled).", headers
            )
        return text

    def next_id(self) -> str:
        """Snowflake-shaped, strictly increasing even while the fake clock stands still."""
        snowflake = (int(self.clock.now() * 1000) - TWEPOCH_MS) << 22
        self._last_id = max(self._last_id + 1, snowflake)
        return str(self._last_id)
