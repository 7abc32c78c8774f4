"""FakeX: the whole fake service, its Python control API and its observations."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from .api import ApiServer
from .clock import FakeClock
from .faults import Fault, FaultPlan, Gate
from .media import Upload
from .oauth import OAuthServer
from .records import DEFAULT_CLIENT, DEFAULT_USER, Consent, RegisteredClient, Tweet, XUser
from .registry import Registry


class FakeX:
    """A faithful, controllable stand-in for X API v2 and its OAuth 2.0 PKCE flow.

    Everything is kept in memory and guarded by one lock, because the HTTP side
    runs on the server's thread while the test drives it from its own.
    `reset()` returns to the state right after construction (seed clients,
    seed users, seed latency and rate limits), except the clock, which only
    moves forward; requests still held are let go.
    """

    registry: Registry
    oauth: OAuthServer
    api: ApiServer
    faults: FaultPlan
    latency: float
    requests: Counter[str]
    responses: defaultdict[str, Counter[str]]

    def __init__(
        self,
        clock: FakeClock | None = None,
        *,
        latency: float = 0.0,
        clients: Iterable[RegisteredClient] | None = None,
        users: Iterable[XUser] | None = None,
        rate_limits: dict[str, tuple[int, int]] | None = None,
    ) -> None:
        self.clock = clock or FakeClock()
        self.lock = threading.RLock()
        self.base_url: str | None = None
        self._seed_clients = tuple(clients) if clients is not None else (DEFAULT_CLIENT,)
        self._seed_users = tuple(users) if users is not None else (DEFAULT_USER,)
        self._seed_latency = latency
        self._seed_limits = dict(rate_limits or {})
        self._app: Any = None
        self.gate = Gate()
        self.reset()

    def reset(self) -> None:
        """Forget tokens, codes, posts, counters, faults and scripted consents."""
        with self.lock:
            self.registry = Registry()
            for user in self._seed_users:
                self.registry.add_user(user)
            for client in self._seed_clients:
                self.registry.add_client(client)
            if self._seed_users:
                self.registry.browser_user_id = self._seed_users[0].id
            self.oauth = OAuthServer(self.registry, self.clock)
            self.api = ApiServer(self.registry, self.oauth, self.clock)
            for endpoint, (limit, window) in self._seed_limits.items():
                self.api.limiter.set_limit(endpoint, limit, window)
            self.faults = FaultPlan()
            self.latency = self._seed_latency
            self.requests = Counter()
            self.responses = defaultdict(Counter)
        self.gate.release()

    def register_client(
        self, client_id: str, secret: str | None = None, redirect_uris: Iterable[str] = ()
    ) -> RegisteredClient:
        """An app; with `secret` it is confidential (Basic auth), without it public."""
        with self.lock:
            return self.registry.add_client(
                RegisteredClient(client_id, secret, tuple(redirect_uris))
            )

    def register_user(
        self, id: str, username: str, name: str | None = None, profile_image_url: str | None = None
    ) -> XUser:
        with self.lock:
            return self.registry.add_user(XUser(id, username, name or username, profile_image_url))

    def sign_in(self, user_id: str) -> None:
        """Set the browser's current user: the one who consents from now on."""
        with self.lock:
            self.registry.sign_in(user_id)

    def deny_next_authorization(self) -> None:
        """The next authorize redirects back with error=access_denied."""
        with self.lock:
            self.oauth.consents.append(Consent(deny=True))

    def grant_next_authorization(
        self, scopes: Iterable[str] | None = None, user_id: str | None = None
    ) -> None:
        """The next authorize grants only `scopes` (∩ requested), as `user_id` if given."""
        with self.lock:
            allowed = frozenset(scopes) if scopes is not None else None
            self.oauth.consents.append(Consent(scopes=allowed, user_id=user_id))

    def now(self) -> float:
        return self.clock.now()

    def advance(self, seconds: float) -> float:
        """Move the fake's time forward; codes, tokens and rate windows age with it."""
        return self.clock.advance(seconds)

    def set_rate_limit(self, endpoint: str, limit: int, window_seconds: int = 900) -> None:
        with self.lock:
            self.api.limiter.set_limit(endpoint, limit, window_seconds)

    def set_daily_caps(self, user: int | None = None, app: int | None = None) -> None:
        """The 24-hour caps on POST /2/tweets, per user and per app (windows restart)."""
        with self.lock:
            self.api.daily.set_caps(user, app)

    def seed_tweet(self, user_id: str, text: str) -> Tweet:
        """A post someone made earlier, outside the API (to reply to or quote)."""
        with self.lock:
            tweet_id = self.api.next_id()
            tweet = Tweet(tweet_id, text, user_id, self.clock.now(), (tweet_id,))
            tweet = dataclasses.replace(tweet, conversation_id=tweet_id)
            self.api.tweets.append(tweet)
            return tweet

    def delete_tweet(self, tweet_id: str) -> None:
        """Its author deleted it: no reply or quote can reach it, no timeline shows it."""
        with self.lock:
            self.api.deleted.add(tweet_id)

    def protect(self, user_id: str) -> None:
        """The account's posts become visible to itself only."""
        with self.lock:
            user = self.registry.users[user_id]
            self.registry.users[user_id] = dataclasses.replace(user, protected=True)

    def inject(self, endpoint: str, fault: Fault, times: int = 1) -> None:
        """Make the next `times` requests to `endpoint` suffer `fault`."""
        with self.lock:
            self.faults.add(endpoint, fault, times)

    def fail_next(
        self, endpoint: str, status: int = 503, times: int = 1, after_effect: bool = False
    ) -> None:
        self.inject(endpoint, Fault("status", status=status, after_effect=after_effect), times)

    def rate_limit_next(self, endpoint: str, reset_in: int = 900, times: int = 1) -> None:
        self.inject(endpoint, Fault("rate_limit", reset_in=reset_in), times)

    def delay_next(self, endpoint: str, seconds: float, times: int = 1) -> None:
        self.inject(endpoint, Fault("delay", seconds=seconds), times)

    def hold_next(self, endpoint: str, times: int = 1) -> None:
        """Keep the next `times` requests to `endpoint` unanswered until `release()`."""
        self.inject(endpoint, Fault("hold"), times)

    def release(self, endpoint: str | None = None) -> int:
        """Let the held requests (to `endpoint`, or all) be carried out and answered."""
        return self.gate.release(endpoint)

    def held(self, endpoint: str) -> int:
        """How many requests to `endpoint` are being held right now."""
        return self.gate.held()[endpoint]

    def reset_next(self, endpoint: str, times: int = 1, after_effect: bool = False) -> None:
        """Drop the connection (TCP RST) instead of answering."""
        self.inject(endpoint, Fault("reset", after_effect=after_effect), times)

    def malformed_next(self, endpoint: str, times: int = 1, after_effect: bool = False) -> None:
        self.inject(endpoint, Fault("malformed", after_effect=after_effect), times)

    def begin(self, endpoint: str) -> Fault | None:
        """Called by the HTTP layer per API request: count it, hand out its fault."""
        with self.lock:
            self.requests[endpoint] += 1
            return self.faults.take(endpoint)

    def record(self, endpoint: str, outcome: int | str) -> None:
        with self.lock:
            self.responses[endpoint][str(outcome)] += 1

    def fail_media_processing_next(self, times: int = 1) -> None:
        """The next `times` GIF or video uploads end their processing `failed`."""
        with self.lock:
            self.api.media.fail_processing += times

    def upload(self, media_id: str) -> Upload:
        """A media upload as the fake holds it (bytes, alt text, processing)."""
        with self.lock:
            return self.api.media.uploads[media_id]

    @property
    def uploads(self) -> list[Upload]:
        with self.lock:
            return list(self.api.media.uploads.values())

    @property
    def tweets(self) -> list[Tweet]:
        """Every post made, deleted ones included, oldest first."""
        with self.lock:
            return list(self.api.tweets)

    def tweets_by(self, user_id: str) -> list[Tweet]:
        return [tweet for tweet in self.tweets if tweet.author_id == user_id]

    def tweets_per_user(self) -> dict[str, int]:
        return dict(Counter(tweet.author_id for tweet in self.tweets))

    @property
    def code_exchanges(self) -> int:
        return self.oauth.code_exchanges

    @property
    def token_refreshes(self) -> int:
        return self.oauth.token_refreshes

    @property
    def revocations(self) -> int:
        return self.oauth.revocations

    def state(self) -> dict[str, Any]:
        """A JSON-ready snapshot, also served at GET /_fake/state."""
        with self.lock:
            return {
                "now": self.clock.now(),
                "base_url": self.base_url,
                "latency_ms": self.latency * 1000,
                "requests": dict(self.requests),
                "responses": {name: dict(counts) for name, counts in self.responses.items()},
                "code_exchanges": self.code_exchanges,
                "token_refreshes": self.token_refreshes,
                "revocations": self.revocations,
                "tweets": [tweet.as_json() for tweet in self.api.tweets],
                "tweets_per_user": self.tweets_per_user(),
                "media": [
                    {
                        "id": upload.id,
                        "owner": upload.owner,
                        "category": upload.category,
                        "size": len(upload.content),
                        "sha256": hashlib.sha256(upload.content).hexdigest(),
                        "state": upload.state(self.clock.now()),
                        "alt_text": upload.alt_text,
                    }
                    for upload in self.api.media.uploads.values()
                ],
                "pending_faults": self.faults.pending(),
                "held": dict(self.gate.held()),
                "pending_consents": len(self.oauth.consents),
                "browser_user_id": self.registry.browser_user_id,
                "clients": sorted(self.registry.clients),
                "users": [
                    user.fields({"profile_image_url"}) for user in self.registry.users.values()
                ],
                "rate_limits": {
                    name: {"limit": limit, "window_seconds": window}
                    for name, (limit, window) in self.api.limiter.limits.items()
                },
            }

    @property
    def app(self) -> Any:
        """The ASGI application serving this fake."""
        if self._app is None:
            from .app import FakeXApp

            self._app = FakeXApp(self)
        return self._app

    def url(self, path: str) -> str:
        if self.base_url is None:
            raise RuntimeError("the fake is not being served; use `with fake.serve():`")
        return f"{self.base_url}{path}"

    @contextmanager
    def serve(self, port: int = 0) -> Iterator[FakeX]:
        """Serve over real HTTP on 127.0.0.1 (a free port by default), in a thread."""
        from .server import serve_in_thread

        with serve_in_thread(self.app, port) as base_url:
            self.base_url = base_url
            try:
                yield self
            finally:
                self.base_url = None
