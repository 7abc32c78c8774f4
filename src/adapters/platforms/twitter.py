"""X (Twitter) API v2 and its OAuth 2.0 token endpoints over httpx.

Every failure leaves as a port error; how each is classified:
- could not connect (nothing sent) -> `PlatformUnreachable(sent=False)`;
- 5xx -> `PlatformUnreachable(sent=False)`: X answered that it failed, and the contract
  retries 5xx answers (a post that was created anyway comes back as `duplicate_content`);
- timeout or connection cut after sending, or a 2xx we cannot read ->
  `PlatformUnreachable(sent=True)`: it may have happened, so a publish is not sent again;
- 429 -> `PlatformRateLimited` (reset from `x-rate-limit-reset`, epoch seconds);
- 401 on the API -> `AccessTokenExpired`; 400 on a refresh -> `CredentialsRejected`;
  400 on a code exchange -> `AuthorizationCodeRejected`; 401 on the token endpoint means our
  own app credentials are wrong, which is no fault of the account -> `PlatformUnreachable`;
- other 4xx on a post -> `ContentRejected` with X's own message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from application.ports.clock import Clock
from application.ports.credentials import Credentials
from application.ports.platforms import (
    AccessTokenExpired,
    ContentRejected,
    CredentialsRejected,
    PlatformRateLimited,
    PlatformUnreachable,
    PublishedPost,
)
from application.ports.twitter import AuthorizationCodeRejected, TwitterGateway
from domain.integration import Profile
from domain.platform import Platform

NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


class HttpxTwitterGateway(TwitterGateway):
    platform = Platform.TWITTER

    def __init__(
        self,
        http: httpx.AsyncClient,
        clock: Clock,
        *,
        api_url: str,
        client_id: str,
        client_secret: str | None = None,
    ) -> None:
        self.http = http
        self.clock = clock
        self.api_url = api_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret

    async def exchange_code(
        self, code: str, code_verifier: str, redirect_uri: str
    ) -> Credentials:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        response = await self._token("/2/oauth2/token", form)
        if response.status_code == 400:
            raise AuthorizationCodeRejected(_message(response))
        return self._tokens(self._checked_token_answer(response), previous=None)

    async def refresh(self, credentials: Credentials) -> Credentials:
        """Refresh tokens are single-use: the caller must store the answer's refresh token
        before anything else, or the account is lost."""
        if not credentials.refresh_token:
            raise CredentialsRejected("token_revoked", "no refresh token was granted")
        form = {"grant_type": "refresh_token", "refresh_token": credentials.refresh_token}
        response = await self._token("/2/oauth2/token", form)
        if response.status_code == 400 and _oauth_error(response) in (
            "invalid_request",
            "invalid_grant",
        ):
            raise CredentialsRejected("token_revoked", _message(response))
        return self._tokens(self._checked_token_answer(response), previous=credentials)

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
                response = await self._token(
                    "/2/oauth2/revoke", {"token": token, "token_type_hint": hint}
                )
                self._checked_token_answer(response)
            except Exception as error:
                failure = failure or error
        if failure is not None:
            raise failure

    async def profile(self, credentials: Credentials) -> Profile:
        response = await self._send(
            "GET",
            "/2/users/me",
            params={"user.fields": "profile_image_url"},
            headers=_bearer(credentials),
        )
        data = _data(self._checked_api_answer(response))
        try:
            return Profile(
                platform_user_id=str(data["id"]),
                username=str(data["username"]),
                display_name=str(data.get("name") or data["username"]),
                avatar_url=data.get("profile_image_url"),
            )
        except KeyError as missing:
            raise PlatformUnreachable(f"X's profile lacks {missing}", sent=True) from None

    async def publish(self, credentials: Credentials, text: str) -> PublishedPost:
        response = await self._send(
            "POST", "/2/tweets", json={"text": text}, headers=_bearer(credentials)
        )
        if response.status_code == 403 and "duplicate" in _message(response).lower():
            raise ContentRejected("duplicate_content", _message(response))
        data = _data(self._checked_api_answer(response, content=True))
        tweet_id = data.get("id")
        if not isinstance(tweet_id, str) or not tweet_id:
            raise PlatformUnreachable("X's answer to a post names no post id", sent=True)
        username = credentials.extra.get("username") or "i"
        return PublishedPost(tweet_id, f"https://x.com/{username}/status/{tweet_id}")

    async def _token(self, path: str, form: dict[str, str]) -> httpx.Response:
        """The token and revoke endpoints: form-encoded; a confidential app authenticates
        with Basic auth, a public one names its client id in the body."""
        auth: httpx.BasicAuth | None = None
        if self.client_secret:
            auth = httpx.BasicAuth(self.client_id, self.client_secret)
        else:
            form = {**form, "client_id": self.client_id}
        return await self._send("POST", path, data=form, auth=auth)

    async def _send(self, method: str, path: str, **options: Any) -> httpx.Response:
        try:
            return await self.http.request(method, self.api_url + path, **options)
        except NOT_SENT as error:
            raise PlatformUnreachable(f"cannot reach X: {type(error).__name__}", sent=False) from None
        except httpx.HTTPError as error:
            raise PlatformUnreachable(f"X did not answer: {type(error).__name__}", sent=True) from None

    def _checked_token_answer(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code == 401:
            raise PlatformUnreachable(
                "X refused this server's app credentials (OPENPOST_TWITTER_CLIENT_ID/SECRET)",
                sent=False,
            )
        return _checked(response, content=False)

    @staticmethod
    def _checked_api_answer(response: httpx.Response, content: bool = False) -> dict[str, Any]:
        if response.status_code == 401:
            raise AccessTokenExpired(_message(response))
        return _checked(response, content=content)

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


def _checked(response: httpx.Response, *, content: bool) -> dict[str, Any]:
    """The JSON object of a 2xx answer, or the port error its status means."""
    status = response.status_code
    if status == 429:
        raise PlatformRateLimited(_reset_at(response), f"X rate limited: {_message(response)}")
    if status >= 500:
        raise PlatformUnreachable(f"X answered {status}", sent=False)
    if 400 <= status < 500:
        if content:
            raise ContentRejected("content_rejected", _message(response))
        raise PlatformUnreachable(f"X answered {status}: {_message(response)}", sent=True)
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise PlatformUnreachable("X answered with malformed JSON", sent=True) from None
    if not isinstance(body, dict):
        raise PlatformUnreachable("X answered with unexpected JSON", sent=True)
    return body


def _data(body: Mapping[str, Any]) -> Mapping[str, Any]:
    data = body.get("data")
    if not isinstance(data, dict):
        raise PlatformUnreachable("X's answer has no data object", sent=True)
    return data


def _body(response: httpx.Response) -> Mapping[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _oauth_error(response: httpx.Response) -> str:
    return str(_body(response).get("error", ""))


def _message(response: httpx.Response) -> str:
    """X's own words: the first of errors[].message, detail, error_description, title."""
    body = _body(response)
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0].get("message")
        if isinstance(first, str) and first:
            return first
    for key in ("detail", "error_description", "title"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return f"HTTP {response.status_code}"


def _reset_at(response: httpx.Response) -> datetime | None:
    value = response.headers.get("x-rate-limit-reset", "")
    return datetime.fromtimestamp(int(value), UTC) if value.isdigit() else None


def _bearer(credentials: Credentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {credentials.access_token}"}
