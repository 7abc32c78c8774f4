"""The end of X's OAuth 2.0 PKCE flow: the browser comes back with a code and our state."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from application.connect_errors import (
    AuthorizationDenied,
    ExpiredConnectState,
    MissingAuthorizationCode,
    ScopesNotGranted,
    UnknownConnectState,
)
from application.errors import DuplicateIntegration
from application.ports.clock import Clock
from application.ports.credentials import Credentials
from application.ports.ids import IdGenerator
from application.ports.oauth_states import OAuthState
from application.ports.platform_directory import PlatformDirectory
from application.ports.twitter import TwitterGateway
from application.ports.unit_of_work import UnitOfWork
from application.start_connect import MEDIA_SCOPE, TWITTER_SCOPES
from application.webhook_events import integration_event
from domain.integration import Connection, IntegrationWarning, Profile, connect_account
from domain.platform import Platform
from domain.webhooks.events import EventType
from domain.workspace import WorkspaceMode

log = logging.getLogger(__name__)

# Posting needs the first three; without offline.access the connection would die with its
# first access token, two hours later. So a grant must include each of those. Without
# media.write the account still posts text: it is connected with the `media_scope_missing`
# warning, and posts with media are refused for it until it is connected again.
REQUIRED_SCOPES = frozenset(TWITTER_SCOPES) - {MEDIA_SCOPE}


@dataclass(frozen=True, slots=True)
class TwitterCallback:
    """The callback's query, as X (or the simulated consent screen) sent it."""

    state: str | None
    code: str | None = field(default=None, repr=False)
    error: str | None = None


class CompleteTwitterConnect:
    """Spends the state, exchanges the code, reads the profile, stores the account.

    Rules: the state is spent in its own committed transaction before X is called, so a
    callback that fails still spends it. The code is exchanged within the request (X's codes
    live 30 s). The same X account connected again in the same workspace reactivates its
    integration (same id, new tokens; `domain.integration.connect_account`); elsewhere it is a
    new integration. Tokens are stored
    encrypted, never returned. Tokens X granted but that we refuse (missing scopes) are
    revoked at X, best effort.
    """

    def __init__(
        self, uow: UnitOfWork, clock: Clock, ids: IdGenerator, platforms: PlatformDirectory
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.ids = ids
        self.platforms = platforms

    async def execute(self, callback: TwitterCallback) -> Connection:
        now = self.clock.now()
        pending, mode = await self._spend(callback.state, now)
        if callback.error:
            raise AuthorizationDenied(callback.error)
        if not callback.code:
            raise MissingAuthorizationCode()
        gateway = self.platforms.twitter(mode)
        credentials = await gateway.exchange_code(
            callback.code, pending.code_verifier, pending.redirect_uri
        )
        missing = REQUIRED_SCOPES - set(credentials.scopes)
        if missing:
            await _revoke(gateway, credentials)
            raise ScopesNotGranted(missing)
        try:
            profile = await gateway.profile(credentials)
        except Exception:
            await _revoke(gateway, credentials)
            raise
        credentials = replace(
            credentials,
            extra={"user_id": profile.platform_user_id, "username": profile.username},
        )
        try:
            return await self._store(pending.workspace_id, profile, credentials, now)
        except DuplicateIntegration:
            # A concurrent callback for the same account created it first: reactivate it.
            return await self._store(pending.workspace_id, profile, credentials, now)

    async def _spend(self, state: str | None, now: datetime) -> tuple[OAuthState, WorkspaceMode]:
        if not state:
            raise UnknownConnectState()
        async with self.uow:
            pending = await self.uow.oauth_states.consume(state)
            workspace = await self.uow.workspaces.get(pending.workspace_id) if pending else None
            await self.uow.commit()
        if pending is None or workspace is None or pending.platform is not Platform.TWITTER:
            raise UnknownConnectState()
        if pending.is_expired(now):
            raise ExpiredConnectState()
        return pending, workspace.mode

    async def _store(
        self, workspace_id: UUID, profile: Profile, credentials: Credentials, now: datetime
    ) -> Connection:
        async with self.uow:
            existing = await self.uow.integrations.find_by_account(
                workspace_id, Platform.TWITTER, profile.platform_user_id
            )
            warnings = (
                ()
                if MEDIA_SCOPE in credentials.scopes
                else (IntegrationWarning.MEDIA_SCOPE_MISSING,)
            )
            connection = connect_account(
                existing,
                new_id=self.ids.new_id,
                workspace_id=workspace_id,
                platform=Platform.TWITTER,
                profile=profile,
                now=now,
                warnings=warnings,
            )
            integration = connection.integration
            if connection.reactivated:
                await self.uow.integrations.save(integration)
            else:
                await self.uow.integrations.add(integration)
            await self.uow.credentials.put(integration.id, credentials)
            await self.uow.outbox.record(
                integration_event(EventType.INTEGRATION_CONNECTED, integration, now)
            )
            await self.uow.commit()
        return connection


async def _revoke(gateway: TwitterGateway, credentials: Credentials) -> None:
    try:
        await gateway.revoke(credentials)
    except Exception as error:
        log.warning("revoking refused X tokens failed: %s", type(error).__name__)
