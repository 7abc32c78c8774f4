"""X (Twitter) API v2 and its OAuth 2.0 token endpoints over aiohttp.

Every failure leaves as a port error; how each is classified:
- could not connect (nothing sent) -> `PlatformUnreachable(sent=False)`;
- 5xx -> `PlatformUnreachable(sent=False)`: X answered that it failed, and the contract
  retries 5xx answers (a post that was created anyway comes back as `duplicate_content`);
- timeout or connection cut after sending, or a 2xx we cannot read ->
  `PlatformUnreachable(sent=True)`: it may have happened, so a publish is not sent again;
- 429 -> `PlatformRateLimited`, deferred to the reset of the window used up, the 24-hour
  caps included (`x_limits`); a window the last answer reported used up defers the next
  post the same way without sending it;
- 401 on the API -> `AccessTokenExpired`; 400 on a refresh -> `CredentialsRejected`;
  400 on a code exchange -> `AuthorizationCodeRejected`; 401 on the token endpoint means our
  own app credentials are wrong, which is no fault of the account -> `PlatformUnreachable`;
- other 4xx on a post -> `ContentRejected` with X's own message.

aiohttp never resends a POST: it retries a request on a reused connection that the server
had closed only for idempotent methods (GET, PUT, DELETE, ...), so a post that may have
left is never sent twice behind our back.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import aiohttp

from adapters.platforms.media_rules import check_x_media
from adapters.platforms.twitter_answers import (
    Answer,
    bearer,
    checked,
    data_of,
    message_of,
    oauth_error,
)
from adapters.platforms.twitter_media import XMediaUploader
from adapters.platforms.untrusted_urls import https_url_or_none
from adapters.platforms.x_limits import HEADERS, XRateLedger
from adapters.platforms.x_parts import refusal_of, tweet_body, x_reply_refs
from adapters.platforms.x_recent import find_recent
from application.ports.clock import Clock
from application.ports.credentials import Credentials
from application.ports.image_fitter import ImageFitter
from application.ports.outgoing_media import OutgoingMedia
from application.ports.platforms import (
    AccessTokenExpired,
    CredentialsRejected,
    PlatformRateLimited,
    PlatformUnreachable,
    PublishedPost,
)
from application.ports.recent_posts import RecentPostFinder
from application.ports.threads import OutgoingPart, PublishedPart, ReplyRefs, ThreadGateway
from application.ports.twitter import AuthorizationCodeRejected, TwitterGateway
from domain.integration import Profile
from domain.platform import Platform
from domain.references import PostRef

# Raised before a byte of the request left: the connection could not be made (refused,
# DNS, TLS, connect or pool timeout), or the URL is not one aiohttp sends to. Any other
# `ClientError` or timeout comes after sending: a read timeout, a cut connection, a body
# cut short.
NOT_SENT = (
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,
    aiohttp.InvalidURL,
    aiohttp.NonHttpUrlClientError,
)


KEEPALIVE_S = 2.0
MEDIA_POLL_CAP_S = 5.0


def x_session(timeout_s: float) -> aiohttp.ClientSession:
    """The pooled session the gateway wants; the caller closes it.

    `timeout_s` bounds each phase, not the whole request: waiting for a pooled connection
    plus connecting (`connect`), the TCP and TLS connect itself (`sock_connect`), and each
    silence while waiting for or reading the answer (`sock_read`). aiohttp has no write
    timeout; a request body here is a few hundred bytes, which the socket buffer takes whole.
    No cookie jar: X's API needs no cookies, and skipping the jar saves work per request.

    An idle connection is closed after `KEEPALIVE_S`, before servers commonly close theirs
    (5 s and up). Otherwise a post can go out on a connection the server is closing at that
    moment: it is cut, it may have arrived, so it fails `outcome_unknown` and is never
    re-sent, though it was never seen. aiohttp's default, 15 s, did that to 2 posts in 1,000
    spread over 20 s across four workers (against a server closing after 5 s).
    """
    timeout = aiohttp.ClientTimeout(
        total=None, connect=timeout_s, sock_connect=timeout_s, sock_read=timeout_s
    )
    connector = aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_S)
    return aiohttp.ClientSession(
        timeout=timeout, connector=connector, cookie_jar=aiohttp.DummyCookieJar()
    )


class AiohttpTwitterGateway(TwitterGateway, ThreadGateway, RecentPostFinder):
    platform = Platform.TWITTER
    wants_link_cards = False

    def __init__(
        self,
        http: aiohttp.ClientSession,
        clock: Clock,
        *,
        api_url: str,
        client_id: str,
        client_secret: str | None = None,
        fitter: ImageFitter | None = None,
        media_poll_cap_s: float = MEDIA_POLL_CAP_S,
    ) -> None:
        self.http = http
        self.clock = clock
        self.api_url = api_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.limits = XRateLedger()
        self.media = XMediaUploader(self._send, fitter, media_poll_cap_s)

    async def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> Credentials:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        answer = await self._token("/2/oauth2/token", form)
        if answer.status == 400:
            raise AuthorizationCodeRejected(message_of(answer))
        return self._tokens(self._checked_token_answer(answer), previous=None)

    async def refresh(self, credentials: Credentials) -> Credentials:
        """Refresh tokens are single-use: the caller must store the answer's refresh token
        before anything else, or the account is lost."""
        if not credentials.refresh_token:
            raise CredentialsRejected("token_revoked", "no refresh token was granted")
        form = {"grant_type": "refresh_token", "refresh_token": credentials.refresh_token}
        answer = await self._token("/2/oauth2/token", form)
        if answer.status == 400 and oauth_error(answer) in ("invalid_request", "invalid_grant"):
            raise CredentialsRejected("token_revoked", message_of(answer))
        return self._tokens(self._checked_token_answer(answer), previous=credentials)

    async def revoke(self, credentials: Credentials) -> None:
        """Revokes the refresh token, then the access token; raises the first failure."""
        tokens = [
            (credentials.refresh_token, "refresh_token"),
            (credentials.access_token, "access_token"),
        ]
        failure: Exception | None = None
        for token, hint in tokens:
            if not token:
                continue
            try:
                answer = await self._token(
                    "/2/oauth2/revoke", {"token": token, "token_type_hint": hint}
                )
                self._checked_token_answer(answer)
            except Exception as error:
                failure = failure or error
        if failure is not None:
            raise failure

    async def profile(self, credentials: Credentials) -> Profile:
        answer = await self._send(
            "GET",
            "/2/users/me",
            params={"user.fields": "profile_image_url"},
            headers=bearer(credentials),
        )
        data = data_of(self._checked_api_answer(answer))
        try:
            return Profile(
                platform_user_id=str(data["id"]),
                username=str(data["username"]),
                display_name=str(data.get("name") or data["username"]),
                avatar_url=https_url_or_none(data.get("profile_image_url")),
            )
        except KeyError as missing:
            raise PlatformUnreachable(f"X's profile lacks {missing}", sent=True) from None

    async def publish(
        self, credentials: Credentials, text: str, media: Sequence[OutgoingMedia] = ()
    ) -> PublishedPost:
        published = await self.publish_part(credentials, OutgoingPart(text), media)
        return PublishedPost(published.platform_post_id, published.url)

    async def publish_part(
        self, credentials: Credentials, part: OutgoingPart, media: Sequence[OutgoingMedia] = ()
    ) -> PublishedPart:
        """A reply (`reply.in_reply_to_tweet_id`: the parent; X finds the root itself) or a
        quote (`quote_tweet_id`); X has no language field and builds its own cards. Media
        first (`XMediaUploader`, retried freely), then the post: the one call that is at
        most once."""
        check_x_media(media)
        body = tweet_body(part)
        if media and not part.text:
            del body["text"]
        return await self._create(credentials, body, media)

    async def resolve(self, credentials: Credentials, reference: PostRef) -> ReplyRefs:
        """An X reference is already its post's id; X checks it when the post is sent."""
        return x_reply_refs(reference)

    async def _create(
        self, credentials: Credentials, body: dict[str, Any], media: Sequence[OutgoingMedia]
    ) -> PublishedPart:
        account = _account(credentials)
        blocked = self.limits.blocked_until(account, self.clock.now())
        if blocked is not None:
            raise PlatformRateLimited(blocked, "X's rate window is used up", sent=False)
        if media:
            body["media"] = {"media_ids": await self.media.upload_all(credentials, media)}
        answer = await self._send("POST", "/2/tweets", json=body, headers=bearer(credentials))
        self.limits.note(account, answer.limits)
        if answer.status == 403:  # X's words read only where they can mean a refusal
            refusal = refusal_of(answer.status, message_of(answer))
            if refusal is not None:
                raise refusal
        data = data_of(self._checked_api_answer(answer, content=True))
        tweet_id = data.get("id")
        if not isinstance(tweet_id, str) or not tweet_id:
            raise PlatformUnreachable("X's answer to a post names no post id", sent=True)
        username = credentials.extra.get("username") or "i"
        return PublishedPart(tweet_id, f"https://x.com/{username}/status/{tweet_id}")

    async def find_recent(
        self, credentials: Credentials, text: str, in_reply_to: str | None = None
    ) -> PublishedPost | None:
        """The account's post with this text and reply parent from the last 24 hours."""
        user_id = (
            credentials.extra.get("user_id") or (await self.profile(credentials)).platform_user_id
        )

        async def fetch(path: str, params: dict[str, str]) -> Mapping[str, Any]:
            answer = await self._send("GET", path, params=params, headers=bearer(credentials))
            return self._checked_api_answer(answer)

        found = await find_recent(fetch, user_id, text, in_reply_to, self.clock.now())
        if found is None:
            return None
        username = credentials.extra.get("username") or "i"
        return PublishedPost(found, f"https://x.com/{username}/status/{found}")

    async def _token(self, path: str, form: dict[str, str]) -> Answer:
        """The token and revoke endpoints: form-encoded; a confidential app authenticates
        with Basic auth, a public one names its client id in the body."""
        if self.client_secret:
            return await self._send("POST", path, data=form, headers=self._basic_auth())
        return await self._send("POST", path, data={**form, "client_id": self.client_id})

    def _basic_auth(self) -> dict[str, str]:
        """Written by hand: `aiohttp.BasicAuth` is deprecated from 3.14 on, and its
        replacement is not in 3.10. UTF-8, as httpx encoded it."""
        pair = f"{self.client_id}:{self.client_secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}

    async def _send(self, method: str, path: str, **options: Any) -> Answer:
        """One request, its answer read whole; X never redirects its API, so neither do we."""
        url = self.api_url + path
        try:
            async with self.http.request(method, url, allow_redirects=False, **options) as got:
                body = await got.read()
                limits = {name: got.headers[name] for name in HEADERS if name in got.headers}
                return Answer(got.status, body, limits)
        except NOT_SENT as error:
            raise PlatformUnreachable(
                f"cannot reach X: {type(error).__name__}", sent=False
            ) from None
        except (aiohttp.ClientError, TimeoutError) as error:
            raise PlatformUnreachable(
                f"X did not answer: {type(error).__name__}", sent=True
            ) from None

    def _checked_token_answer(self, answer: Answer) -> dict[str, Any]:
        if answer.status == 401:
            raise PlatformUnreachable(
                "X refused this server's app credentials (OPENPOST_TWITTER_CLIENT_ID/SECRET)",
                sent=False,
            )
        return checked(answer, content=False)

    @staticmethod
    def _checked_api_answer(answer: Answer, content: bool = False) -> dict[str, Any]:
        if answer.status == 401:
            raise AccessTokenExpired(message_of(answer))
        return checked(answer, content=content)

    def _tokens(self, body: Mapping[str, Any], previous: Credentials | None) -> Credentials:
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise PlatformUnreachable("X's token answer has no access token", sent=True)
        expires_in = body.get("expires_in")
        expires_at = (
            self.clock.now() + timedelta(seconds=int(expires_in))
            if isinstance(expires_in, int | float)
            else None
        )
        scope = body.get("scope")
        scopes = tuple(scope.split()) if isinstance(scope, str) else ()
        return Credentials(
            access_token=access,
            refresh_token=body.get("refresh_token") or None,
            expires_at=expires_at,
            scopes=scopes or (previous.scopes if previous else ()),
            extra=dict(previous.extra) if previous else {},
        )


def _account(credentials: Credentials) -> str:
    """Whose rate windows these are: X's user id, else (older credentials) the token."""
    return credentials.extra.get("user_id") or credentials.access_token
