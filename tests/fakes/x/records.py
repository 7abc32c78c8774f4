"""What the fake X remembers: registered apps and people, grants, tokens, posts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ACCESS_TOKEN_LIFETIME = 7200
"""X access tokens from the PKCE flow live two hours (`expires_in: 7200`)."""

AUTHORIZATION_CODE_LIFETIME = 30
"""X authorization codes are only good for 30 seconds after consent."""

DEFAULT_USER_ID = "2244994945"
DEFAULT_CLIENT_ID = "fake-x-client-id"
DEFAULT_CLIENT_SECRET = "fake-x-client-secret"
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8000/callback"


@dataclass(frozen=True)
class RegisteredClient:
    """An X app. With a secret it is confidential (Basic auth); without, public."""

    client_id: str
    secret: str | None = None
    redirect_uris: tuple[str, ...] = ()

    @property
    def confidential(self) -> bool:
        return self.secret is not None


@dataclass(frozen=True)
class XUser:
    """An X account; `id` is a numeric string, as X returns it."""

    id: str
    username: str
    name: str
    profile_image_url: str | None = None
    protected: bool = False

    def fields(self, requested: set[str]) -> dict[str, Any]:
        """The user object X returns: id, name, username, plus requested extras."""
        data: dict[str, Any] = {"id": self.id, "name": self.name, "username": self.username}
        if "profile_image_url" in requested and self.profile_image_url is not None:
            data["profile_image_url"] = self.profile_image_url
        return data


DEFAULT_USER = XUser(
    id=DEFAULT_USER_ID,
    username="XDevelopers",
    name="Developers",
    profile_image_url="https://pbs.twimg.com/profile_images/1/fake_normal.jpg",
)
DEFAULT_CLIENT = RegisteredClient(
    client_id=DEFAULT_CLIENT_ID,
    secret=DEFAULT_CLIENT_SECRET,
    redirect_uris=(DEFAULT_REDIRECT_URI,),
)


@dataclass(frozen=True)
class Consent:
    """What the (simulated) person in the browser does at the next authorize.

    `deny` sends them back with `error=access_denied`; otherwise they grant,
    optionally unticking scopes (the grant is requested ∩ `scopes`) or acting
    as another signed-in user.
    """

    deny: bool = False
    scopes: frozenset[str] | None = None
    user_id: str | None = None


@dataclass
class AuthorizationCode:
    """A code handed to the redirect URI; single-use, bound to client, URI and PKCE."""

    code: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    code_challenge_method: str
    scopes: tuple[str, ...]
    user_id: str
    issued_at: float
    spent: bool = False


@dataclass
class AccessToken:
    token: str
    client_id: str
    user_id: str
    scopes: tuple[str, ...]
    expires_at: float
    revoked: bool = False

    def usable(self, now: float) -> bool:
        return not self.revoked and now < self.expires_at


@dataclass
class RefreshToken:
    """Single-use: spending it (or revoking it) kills it for good."""

    token: str
    client_id: str
    user_id: str
    scopes: tuple[str, ...]
    spent: bool = False
    revoked: bool = False

    @property
    def usable(self) -> bool:
        return not self.spent and not self.revoked


@dataclass(frozen=True)
class Tweet:
    id: str
    text: str
    author_id: str
    created_at: float
    edit_history_tweet_ids: tuple[str, ...] = field(default=())
    in_reply_to_tweet_id: str | None = None
    quote_tweet_id: str | None = None
    conversation_id: str = ""
    media_ids: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "media_ids": list(self.media_ids),
            "id": self.id,
            "text": self.text,
            "author_id": self.author_id,
            "created_at": self.created_at,
            "edit_history_tweet_ids": list(self.edit_history_tweet_ids),
            "in_reply_to_tweet_id": self.in_reply_to_tweet_id,
            "quote_tweet_id": self.quote_tweet_id,
            "conversation_id": self.conversation_id or self.id,
        }

    def referenced_tweets(self) -> list[dict[str, str]]:
        """X's `referenced_tweets` field: what this post replies to and quotes."""
        refs = []
        if self.in_reply_to_tweet_id:
            refs.append({"type": "replied_to", "id": self.in_reply_to_tweet_id})
        if self.quote_tweet_id:
            refs.append({"type": "quoted", "id": self.quote_tweet_id})
        return refs
