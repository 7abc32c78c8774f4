"""X's side of connecting an account (OAuth 2.0 with PKCE) on top of publishing."""

from __future__ import annotations

from abc import abstractmethod
from typing import Protocol, runtime_checkable

from application.ports.credentials import Credentials
from application.ports.platforms import PlatformError, PlatformGateway
from domain.integration import Profile


class AuthorizationCodeRejected(PlatformError):
    """X refused the authorization code: unknown, spent, older than 30 s, or a PKCE
    verifier or redirect URI that does not match. Starting over is the only cure."""


@runtime_checkable
class TwitterGateway(PlatformGateway, Protocol):
    """Publishing plus the two calls a connect needs. `exchange_code` stores nothing: the
    caller reads the profile and keeps the credentials."""

    @abstractmethod
    async def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> Credentials:
        """Tokens for an authorization code, with `expires_at` and the granted `scopes`."""

    @abstractmethod
    async def profile(self, credentials: Credentials) -> Profile:
        """The account the credentials act for (`GET /2/users/me`)."""


class SimulatedConsent(Protocol):
    """The consent screen of the simulated X behind test workspaces: it never asks anyone,
    it hands out a code that the simulated gateway will exchange."""

    @abstractmethod
    def issue_code(self, code_challenge: str) -> str: ...
