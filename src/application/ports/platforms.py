"""What every platform adapter offers the publisher and token keeping, and the errors it
may raise. Adapters translate their library's exceptions into these; nothing else leaks."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.ports.credentials import Credentials
from application.ports.outgoing_media import OutgoingMedia
from domain.platform import Platform


@dataclass(frozen=True, slots=True)
class PublishedPost:
    platform_post_id: str
    url: str


class PlatformError(Exception):
    """Base of platform failures."""


class CredentialsRejected(PlatformError):
    """Rejected for good (revoked, spent, expired refresh): the account must reconnect."""

    def __init__(self, reason: str = "token_revoked", message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason


class AccessTokenExpired(PlatformError):
    """The access token no longer works; refreshing may fix it."""


class PlatformRateLimited(PlatformError):
    """The platform will not take more until `reset_at`. `sent=False` when the adapter
    knew it in advance and sent nothing (no attempt counts)."""

    def __init__(
        self, reset_at: datetime | None, message: str = "rate limited", *, sent: bool = True
    ) -> None:
        super().__init__(message)
        self.reset_at, self.sent = reset_at, sent


class PlatformUnreachable(PlatformError):
    """A transient failure: timeout, connection error or 5xx.

    `sent` says whether the request may have reached the platform: a publish that was sent
    and then lost is never re-sent (at most once).
    """

    def __init__(self, message: str, *, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent


class ContentRejected(PlatformError):
    """The platform refused this content (duplicate, too long, ...): retrying cannot help."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class PlatformGateway(Protocol):
    """The publishing side of one platform."""

    platform: Platform

    @abstractmethod
    async def publish(
        self, credentials: Credentials, text: str, media: Sequence[OutgoingMedia] = ()
    ) -> PublishedPost:
        """Uploads `media` the platform's way, then creates the post: only that last call
        is at most once. A failed upload raises `PlatformUnreachable(sent=False)` (nothing
        was posted, so it is retried) or `ContentRejected` when the platform refused it."""

    @abstractmethod
    async def refresh(self, credentials: Credentials) -> Credentials:
        """New credentials from the refresh ones; `CredentialsRejected` when refused for good."""

    @abstractmethod
    async def revoke(self, credentials: Credentials) -> None:
        """Best effort: ends the tokens or session at the platform where it offers that."""
