"""How to connect an account: an OAuth URL with PKCE for X, instructions for Bluesky."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote, urlencode
from uuid import UUID

from application.errors import PlatformNotConfigured, PlatformUnavailable
from application.ports.clock import Clock
from application.ports.oauth_states import OAuthState
from application.ports.unit_of_work import UnitOfWork
from domain.platform import Platform
from domain.workspace import WorkspaceMode

TWITTER_SCOPES = ("tweet.read", "tweet.write", "users.read", "offline.access", "media.write")
MEDIA_SCOPE = "media.write"
TWITTER_CALLBACK_PATH = "/api/platforms/twitter/callback"
TWITTER_SIMULATED_AUTHORIZE_PATH = "/api/platforms/twitter/simulated-authorize"
BLUESKY_CONNECT_PATH = "/v1/integrations/bluesky/connect"


@dataclass(frozen=True, slots=True)
class ConnectConfig:
    public_url: str
    twitter_client_id: str | None
    twitter_authorize_url: str
    state_ttl: timedelta = timedelta(minutes=10)

    @property
    def twitter_redirect_uri(self) -> str:
        return self.public_url.rstrip("/") + TWITTER_CALLBACK_PATH


@dataclass(frozen=True, slots=True)
class OAuthConnect:
    url: str
    state: str
    code_verifier: str = field(repr=False)
    redirect_uri: str
    auth_type: str = "oauth"


@dataclass(frozen=True, slots=True)
class CredentialsConnect:
    url: str
    fields: tuple[str, ...]
    instructions: str
    method: str = "POST"
    auth_type: str = "credentials"


BLUESKY_INSTRUCTIONS = (
    "Create an app password in Bluesky (Settings > Privacy and security > App passwords), "
    "then POST your handle as `identifier` and the app password as `password` to this URL. "
    "Never use your main password."
)


def code_challenge(verifier: str) -> str:
    """RFC 7636 S256: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class StartConnect:
    def __init__(self, uow: UnitOfWork, clock: Clock, config: ConnectConfig) -> None:
        self.uow = uow
        self.clock = clock
        self.config = config

    async def execute(
        self, workspace_id: UUID, mode: WorkspaceMode, platform: Platform
    ) -> OAuthConnect | CredentialsConnect:
        if not platform.is_available:
            raise PlatformUnavailable(platform.value)
        if platform is Platform.BLUESKY:
            return CredentialsConnect(
                url=self.config.public_url.rstrip("/") + BLUESKY_CONNECT_PATH,
                fields=("identifier", "password"),
                instructions=BLUESKY_INSTRUCTIONS,
            )
        return await self._twitter(workspace_id, mode)

    async def _twitter(self, workspace_id: UUID, mode: WorkspaceMode) -> OAuthConnect:
        simulated = mode is WorkspaceMode.TEST
        if not simulated and not self.config.twitter_client_id:
            raise PlatformNotConfigured("twitter")
        now = self.clock.now()
        state = OAuthState(
            state=secrets.token_urlsafe(32),
            workspace_id=workspace_id,
            platform=Platform.TWITTER,
            code_verifier=secrets.token_urlsafe(64),
            redirect_uri=self.config.twitter_redirect_uri,
            created_at=now,
            expires_at=now + self.config.state_ttl,
        )
        async with self.uow:
            await self.uow.oauth_states.purge_expired(now)
            await self.uow.oauth_states.add(state)
            await self.uow.commit()
        base = (
            self.config.public_url.rstrip("/") + TWITTER_SIMULATED_AUTHORIZE_PATH
            if simulated
            else self.config.twitter_authorize_url
        )
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.config.twitter_client_id or "simulated",
                "redirect_uri": state.redirect_uri,
                "scope": " ".join(TWITTER_SCOPES),
                "state": state.state,
                "code_challenge": code_challenge(state.code_verifier),
                "code_challenge_method": "S256",
            },
            quote_via=quote,
        )
        return OAuthConnect(
            url=f"{base}?{query}",
            state=state.state,
            code_verifier=state.code_verifier,
            redirect_uri=state.redirect_uri,
        )
