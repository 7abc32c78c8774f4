"""`GuardedFetcher`: the one way the service reaches a URL a client gave.

- http and https only; the host is checked before every hop: an IP literal against the
  `AddressPolicy`, a name through `CheckedResolver`, which also pins the connection.
- Redirects are followed by hand, at most `max_redirects` (each hop re-checked, its scheme
  too); 0 returns a redirect as it is. A 303, or a 301/302 after a POST, becomes a GET
  without a body, as browsers do; credentials never follow to another origin.
- One deadline covers the whole exchange, body included; the body is streamed and cut off
  past `max_bytes` (a larger `Content-Length` is refused before reading).
- No proxy from the environment, no cookies kept between fetches.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import aiohttp
from yarl import URL

from adapters.fetch.policy import AddressPolicy, parse_ip_literal
from adapters.fetch.resolver import CheckedResolver, Resolver, SystemResolver
from application.ports.url_fetcher import (
    FetchedResponse,
    FetchFailed,
    FetchRequest,
    FetchTooLarge,
    UrlFetcher,
    UrlNotAllowed,
)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


POOL_SIZE = 100


def pinned_session(
    policy: AddressPolicy, resolver: Resolver | None = None, pool_size: int = POOL_SIZE
) -> aiohttp.ClientSession:
    """A session whose every connection goes to an address the policy allowed, at most
    `pool_size` open at once (a request beyond waits for one, within its deadline).
    IP-literal URLs skip aiohttp's resolver, so callers check them with `check_url` first."""
    connector = aiohttp.TCPConnector(
        resolver=CheckedResolver(policy, resolver or SystemResolver()),
        use_dns_cache=False,
        limit=pool_size,
    )
    return aiohttp.ClientSession(
        connector=connector, trust_env=False, cookie_jar=aiohttp.DummyCookieJar()
    )


def check_url(url: URL, policy: AddressPolicy) -> None:
    """Scheme http(s), a host, and, for an IP literal, an address the policy permits."""
    if url.scheme not in ("http", "https") or not url.host:
        raise UrlNotAllowed("only http and https URLs can be fetched")
    literal = parse_ip_literal(url.host)
    if literal is not None:
        policy.check(literal, url.host)


class _Response(FetchedResponse):
    def __init__(self, answer: aiohttp.ClientResponse, max_bytes: int) -> None:
        self.status = answer.status
        self.headers = {k.lower(): v for k, v in answer.headers.items()}
        self.url = str(answer.url)
        self._answer, self._max_bytes = answer, max_bytes

    async def chunks(self) -> AsyncIterator[bytes]:
        declared = self._answer.content_length
        if declared is not None and declared > self._max_bytes:
            raise FetchTooLarge(self._max_bytes)
        seen = 0
        try:
            async for chunk in self._answer.content.iter_chunked(_CHUNK):
                seen += len(chunk)
                if seen > self._max_bytes:
                    raise FetchTooLarge(self._max_bytes)
                yield chunk
        except aiohttp.ClientError as exc:
            raise FetchFailed("the connection failed while reading the response") from exc


class GuardedFetcher(UrlFetcher):
    """Owns one pinned session of `pool_size` connections; `close()` it when done."""

    def __init__(
        self, policy: AddressPolicy, resolver: Resolver | None = None, pool_size: int = POOL_SIZE
    ) -> None:
        self._policy, self._resolver, self._pool_size = policy, resolver, pool_size
        self._session: aiohttp.ClientSession | None = None

    def open(self, request: FetchRequest) -> AbstractAsyncContextManager[FetchedResponse]:
        return self._open(request)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    @asynccontextmanager
    async def _open(self, request: FetchRequest) -> AsyncIterator[FetchedResponse]:
        try:
            async with asyncio.timeout(request.timeout_s):
                answer = await self._follow(request)
                try:
                    yield _Response(answer, request.max_bytes)
                finally:
                    answer.release()
        except TimeoutError as exc:
            raise FetchFailed(f"no complete answer within {request.timeout_s:g} s") from exc

    async def _follow(self, request: FetchRequest) -> aiohttp.ClientResponse:
        url = _parse(request.url)
        method, body, headers = request.method.upper(), request.body, dict(request.headers)
        for hop in range(request.max_redirects + 1):
            answer = await self._send(url, method, headers, body)
            location = answer.headers.get("Location")
            if answer.status not in _REDIRECTS or location is None or request.max_redirects == 0:
                return answer
            answer.release()
            if hop == request.max_redirects:
                break
            target = url.join(_parse(location))
            check_url(target, self._policy)
            if target.origin() != url.origin():
                headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
            if answer.status == 303 or (answer.status in (301, 302) and method == "POST"):
                method, body = "GET", None
            url = target
        raise FetchFailed(f"more than {request.max_redirects} redirects")

    async def _send(
        self, url: URL, method: str, headers: dict[str, str], body: bytes | None
    ) -> aiohttp.ClientResponse:
        check_url(url, self._policy)
        if self._session is None:
            self._session = pinned_session(self._policy, self._resolver, self._pool_size)
        try:
            return await self._session.request(
                method, url, headers=headers, data=body, allow_redirects=False
            )
        except aiohttp.ClientError as exc:
            raise FetchFailed(f"could not reach {url.host}") from exc


def _parse(raw: str) -> URL:
    try:
        return URL(raw)
    except (ValueError, TypeError) as exc:
        raise UrlNotAllowed("not a valid URL") from exc
