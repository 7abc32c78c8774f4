"""X's OAuth 2.0 authorization server: PKCE authorize, token, refresh, revoke."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import deque
from urllib.parse import urlencode

from .clock import FakeClock
from .records import (
    ACCESS_TOKEN_LIFETIME,
    AUTHORIZATION_CODE_LIFETIME,
    AccessToken,
    AuthorizationCode,
    Consent,
    RefreshToken,
    RegisteredClient,
)
from .registry import Registry
from .wire import Refused, Reply

KNOWN_SCOPES = frozenset(
    {
        "tweet.read",
        "tweet.write",
        "tweet.moderate.write",
        "users.email",
        "users.read",
        "follows.read",
        "follows.write",
        "offline.access",
        "space.read",
        "mute.read",
        "mute.write",
        "like.read",
        "like.write",
        "list.read",
        "list.write",
        "block.read",
        "block.write",
        "bookmark.read",
        "bookmark.write",
        "media.write",
        "dm.read",
        "dm.write",
    }
)
BAD_CODE = "Value passed for the authorization code was invalid."
BAD_TOKEN = "Value passed for the token was invalid."
BAD_VERIFIER = "Value passed for the code verifier did not match the code challenge."
BAD_REDIRECT = "Value passed for the redirect uri did not match the uri of the authorization code."
MAX_STATE_LENGTH = 500


def _invalid_request(description: str) -> Refused:
    """X answers token-endpoint mistakes with 400 and an OAuth error pair."""
    body = {"error": "invalid_request", "error_description": description}
    return Refused(Reply.json(400, body))


def _missing(parameter: str) -> Refused:
    return _invalid_request(f"Missing required parameter [{parameter}].")


def _unauthorized_client() -> Refused:
    """Bad or missing client credentials: 401, whatever was wrong with them."""
    body = {
        "error": "unauthorized_client",
        "error_description": "Missing valid authorization header",
    }
    return Refused(Reply.json(401, body))


def _page(reason: str) -> Refused:
    """X shows an error page (no redirect) when the app or its callback is wrong."""
    return Refused(Reply.html(400, f"Something went wrong: {reason}"))


def _opaque(kind: str, now: float) -> str:
    """X-shaped opaque value: base64 of 'random:epoch_ms:1:1:kind:1' without padding."""
    raw = f"{secrets.token_urlsafe(33)[:44]}:{int(now * 1000)}:1:1:{kind}:1"
    return base64.b64encode(raw.encode()).decode().rstrip("=")


def s256(verifier: str) -> str:
    """The S256 code challenge: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _with_query(uri: str, params: dict[str, str]) -> str:
    return f"{uri}{'&' if '?' in uri else '?'}{urlencode(params)}"


class OAuthServer:
    """The rules of X's OAuth 2.0 endpoints, independent of HTTP plumbing."""

    def __init__(self, registry: Registry, clock: FakeClock) -> None:
        self.registry = registry
        self.clock = clock
        self.codes: dict[str, AuthorizationCode] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.consents: deque[Consent] = deque()
        self.code_exchanges = 0
        self.token_refreshes = 0
        self.revocations = 0

    def authorize(self, query: dict[str, str]) -> Reply:
        """The browser step: validate the request, then the user consents or denies.

        The app and its callback must be registered and match exactly; otherwise
        X shows an error page instead of redirecting. A valid request takes the
        next scripted `Consent` (default: the signed-in user grants everything).
        """
        client = self.registry.clients.get(query.get("client_id", ""))
        if client is None:
            raise _page("unknown client_id")
        redirect_uri = query.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            raise _page("redirect_uri is not registered for this app")
        state = query.get("state", "")
        scopes = tuple(query.get("scope", "").split())
        self._check_authorize(query, state, scopes)
        consent = self.consents.popleft() if self.consents else Consent()
        if consent.deny:
            return Reply.redirect(
                _with_query(redirect_uri, {"error": "access_denied", "state": state})
            )
        user_id = consent.user_id or self.registry.browser_user_id
        if user_id not in self.registry.users:
            raise _page("nobody is signed in")
        granted = (
            scopes if consent.scopes is None else tuple(s for s in scopes if s in consent.scopes)
        )
        now = self.clock.now()
        code = AuthorizationCode(
            code=_opaque("ac", now),
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            code_challenge=query["code_challenge"],
            code_challenge_method=query["code_challenge_method"],
            scopes=granted,
            user_id=user_id,
            issued_at=now,
        )
        self.codes[code.code] = code
        return Reply.redirect(_with_query(redirect_uri, {"state": state, "code": code.code}))

    @staticmethod
    def _check_authorize(query: dict[str, str], state: str, scopes: tuple[str, ...]) -> None:
        if query.get("response_type") != "code":
            raise _page("response_type must be code")
        if not state or len(state) > MAX_STATE_LENGTH:
            raise _page("state is required and at most 500 characters")
        if not query.get("code_challenge"):
            raise _page("code_challenge is required")
        if query.get("code_challenge_method") not in ("S256", "plain"):
            raise _page("code_challenge_method must be S256 or plain")
        if not scopes or not set(scopes) <= KNOWN_SCOPES:
            raise _page("scope is missing or unknown")

    def token(self, form: dict[str, str], authorization: str) -> Reply:
        """POST /2/oauth2/token: authenticate the client, then run the grant."""
        client = self._client(form, authorization)
        grant_type = form.get("grant_type")
        if not grant_type:
            raise _missing("grant_type")
        if grant_type == "authorization_code":
            return self._exchange(client, form)
        if grant_type == "refresh_token":
            return self._refresh(client, form)
        raise _invalid_request("Value passed for the grant type was invalid.")

    def _exchange(self, client: RegisteredClient, form: dict[str, str]) -> Reply:
        """A code is good once, for 30 s, for its client, callback and PKCE verifier.

        A failed attempt does not spend the code; a successful one does.
        """
        for parameter in ("code", "redirect_uri", "code_verifier"):
            if not form.get(parameter):
                raise _missing(parameter)
        code = self.codes.get(form["code"])
        now = self.clock.now()
        if (
            code is None
            or code.spent
            or code.client_id != client.client_id
            or now >= code.issued_at + AUTHORIZATION_CODE_LIFETIME
        ):
            raise _invalid_request(BAD_CODE)
        if form["redirect_uri"] != code.redirect_uri:
            raise _invalid_request(BAD_REDIRECT)
        verifier = form["code_verifier"]
        expected = s256(verifier) if code.code_challenge_method == "S256" else verifier
        if not hmac.compare_digest(expected, code.code_challenge):
            raise _invalid_request(BAD_VERIFIER)
        code.spent = True
        self.code_exchanges += 1
        return self._issue(client.client_id, code.user_id, code.scopes)

    def _refresh(self, client: RegisteredClient, form: dict[str, str]) -> Reply:
        """Refresh tokens rotate: each is good once, then answers 'token was invalid'."""
        value = form.get("refresh_token")
        if not value:
            raise _missing("refresh_token")
        token = self.refresh_tokens.get(value)
        if token is None or not token.usable or token.client_id != client.client_id:
            raise _invalid_request(BAD_TOKEN)
        token.spent = True
        self.token_refreshes += 1
        return self._issue(client.client_id, token.user_id, token.scopes)

    def _issue(self, client_id: str, user_id: str, scopes: tuple[str, ...]) -> Reply:
        """Access token for 7200 s; a refresh token only if offline.access was granted."""
        now = self.clock.now()
        access = AccessToken(
            _opaque("at", now), client_id, user_id, scopes, now + ACCESS_TOKEN_LIFETIME
        )
        self.access_tokens[access.token] = access
        body: dict[str, object] = {
            "token_type": "bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "access_token": access.token,
            "scope": " ".join(scopes),
        }
        if "offline.access" in scopes:
            refresh = RefreshToken(_opaque("rt", now), client_id, user_id, scopes)
            self.refresh_tokens[refresh.token] = refresh
            body["refresh_token"] = refresh.token
        return Reply.json(200, body)

    def revoke(self, form: dict[str, str], authorization: str) -> Reply:
        """POST /2/oauth2/revoke: the token (access or refresh) stops working.

        Like RFC 7009, an unknown token is not an error: the answer is the same.
        """
        client = self._client(form, authorization)
        value = form.get("token")
        if not value:
            raise _missing("token")
        token = self.access_tokens.get(value) or self.refresh_tokens.get(value)
        if token is not None and token.client_id == client.client_id and not token.revoked:
            token.revoked = True
            self.revocations += 1
        return Reply.json(200, {"revoked": True})

    def _client(self, form: dict[str, str], authorization: str) -> RegisteredClient:
        """Confidential apps authenticate with Basic auth; public apps send client_id."""
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode()
            except ValueError:
                raise _unauthorized_client() from None
            client_id, _, secret = decoded.partition(":")
            client = self.registry.clients.get(client_id)
            if client is None or client.secret is None:
                raise _unauthorized_client()
            if not hmac.compare_digest(client.secret.encode(), secret.encode()):
                raise _unauthorized_client()
            if form.get("client_id") not in (None, client.client_id):
                raise _unauthorized_client()
            return client
        client = self.registry.clients.get(form.get("client_id", ""))
        if client is None or client.confidential:
            raise _unauthorized_client()
        return client

    def authenticate(self, authorization: str) -> AccessToken:
        """Bearer check for the v2 API: unknown, expired or revoked tokens get 401."""
        scheme, _, value = authorization.partition(" ")
        token = self.access_tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if token is None or not token.usable(self.clock.now()):
            raise Refused(Reply.problem(401, "Unauthorized"))
        return token
