"""Bluesky's side of connecting: a login with an app password, on top of publishing.

Credentials from `login` carry the session (access and refresh JWTs), the app password (to
log in again when the session is lost), and the account's `did`, `handle` and `pds_url` in
`extra`. `refresh` renews them (logging in again with the stored app password when the
refresh JWT is spent or revoked) and returns credentials the caller must store: every
renewal is persisted, a session is never re-created per post.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from application.ports.credentials import Credentials
from application.ports.platforms import PlatformError, PlatformGateway
from domain.integration import IntegrationWarning, Profile


class InvalidCredentials(PlatformError):
    """The identifier or password was refused (a revoked app password looks the same)."""


class AppPasswordRequired(PlatformError):
    """The account asks for a sign-in code (2FA on its main password): use an app password."""


@dataclass(frozen=True, slots=True)
class BlueskyLogin:
    credentials: Credentials
    profile: Profile
    warnings: tuple[IntegrationWarning, ...] = ()


@runtime_checkable
class BlueskyGateway(PlatformGateway, Protocol):
    @abstractmethod
    async def login(self, identifier: str, password: str) -> BlueskyLogin:
        """Opens a session on the configured service and reads the account's profile.

        A leading `@` in `identifier` is ignored. Raises `InvalidCredentials`,
        `AppPasswordRequired`, `PlatformRateLimited` or `PlatformUnreachable`.
        """
