"""Fetching what a client pointed us at. Every such fetch goes through this one port so the
same guard (public addresses only, redirects re-checked, a deadline and a size cap) applies
to media from URLs, link cards and webhook deliveries alike."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Protocol


class FetchError(Exception):
    """Base of fetch refusals and failures; the message is safe to show the client."""


class UrlNotAllowed(FetchError):
    """The URL's scheme is not http(s), or its host is (or resolves to) an address that is
    not public: loopback, private, link-local, multicast, reserved, unspecified."""


class FetchFailed(FetchError):
    """The fetch was allowed but did not succeed: no connection, a timeout, an error status,
    too many redirects, or a body over the size cap."""


class FetchTooLarge(FetchFailed):
    """The body is larger than the caller's cap."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the response is larger than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True, slots=True)
class FetchRequest:
    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    max_bytes: int = 1_048_576
    timeout_s: float = 30.0
    max_redirects: int = 3
    """0 answers a redirect as it is, without following it (webhook deliveries)."""


class FetchedResponse(Protocol):
    status: int
    headers: dict[str, str]
    url: str
    """The final URL, after redirects."""

    @abstractmethod
    def chunks(self) -> AsyncIterator[bytes]:
        """The body, streamed; raises `FetchTooLarge` past `max_bytes`."""


class UrlFetcher(Protocol):
    """`async with fetcher.open(request) as response:` — the whole exchange, body reading
    included, is bounded by `request.timeout_s`. Raises `UrlNotAllowed` or `FetchFailed`;
    a non-2xx final answer is returned, not raised, so callers decide."""

    @abstractmethod
    def open(self, request: FetchRequest) -> AbstractAsyncContextManager[FetchedResponse]: ...
