"""Connect a Bluesky account with its handle and an app password."""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from application.login_throttle import LoginThrottle, normalized
from application.ports.bluesky import BlueskyGateway, BlueskyLogin, InvalidCredentials
from application.ports.clock import Clock
from application.ports.credentials import Credentials
from application.ports.ids import IdGenerator
from application.ports.platform_directory import PlatformDirectory
from application.ports.unit_of_work import UnitOfWork
from application.webhook_events import integration_event
from domain.integration import Connection, connect_account
from domain.platform import Platform
from domain.webhooks.events import EventType
from domain.workspace import WorkspaceMode

log = logging.getLogger(__name__)


class ConnectBluesky:
    """Logs in, then records the integration and its encrypted session in one unit of work.

    - The login happens before the unit of work opens: no transaction waits on the network.
    - The same account (DID) connected again in the workspace reactivates its integration
      (same id, new session), whatever its status (`domain.integration.connect_account`).
    - Test workspaces log in to the simulated platform (password `test-test-test-test`).
    - Sessions this leaves unused (the replaced one, or the new one when storing fails) are
      ended at Bluesky, best effort.
    - Failed logins are limited per account and per workspace (`LoginThrottle`): past the
      limit, `TooManyAttempts` without calling Bluesky. Each failure is logged at WARNING
      with the workspace and the identifier, never the password.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        ids: IdGenerator,
        platforms: PlatformDirectory,
        throttle: LoginThrottle,
    ) -> None:
        self.uow, self.clock, self.ids, self.platforms = uow, clock, ids, platforms
        self.throttle = throttle

    async def execute(
        self, workspace_id: UUID, mode: WorkspaceMode, identifier: str, password: str
    ) -> Connection:
        now = self.clock.now()
        gateway = self.platforms.bluesky(mode)
        await self.throttle.check(workspace_id, identifier)
        try:
            login = await gateway.login(identifier, password)
        except InvalidCredentials:
            await self.throttle.failed(workspace_id, identifier)
            log.warning(
                "failed Bluesky login in workspace %s for %r",
                workspace_id,
                normalized(identifier)[:255],
            )
            raise
        await self.throttle.succeeded(workspace_id, identifier)
        try:
            connected, replaced = await self._store(workspace_id, login, now)
        except Exception:
            await _end(gateway, login.credentials)
            raise
        if replaced is not None:
            await _end(gateway, replaced)
        return connected

    async def _store(
        self, workspace_id: UUID, login: BlueskyLogin, now: datetime
    ) -> tuple[Connection, Credentials | None]:
        profile = login.profile
        async with self.uow:
            existing = await self.uow.integrations.find_by_account(
                workspace_id, Platform.BLUESKY, profile.platform_user_id
            )
            replaced = None
            if existing is not None:
                stored = await self.uow.credentials.get(existing.id)
                replaced = stored.credentials if stored else None
            connection = connect_account(
                existing,
                new_id=self.ids.new_id,
                workspace_id=workspace_id,
                platform=Platform.BLUESKY,
                profile=profile,
                now=now,
                warnings=login.warnings,
            )
            integration = connection.integration
            if connection.reactivated:
                await self.uow.integrations.save(integration)
            else:
                await self.uow.integrations.add(integration)
            await self.uow.credentials.put(integration.id, login.credentials)
            await self.uow.outbox.record(
                integration_event(EventType.INTEGRATION_CONNECTED, integration, now)
            )
            await self.uow.commit()
        return connection, replaced


async def _end(gateway: BlueskyGateway, credentials: Credentials) -> None:
    try:
        await gateway.revoke(credentials)
    except Exception as error:
        log.warning("ending an unused Bluesky session failed: %s", type(error).__name__)
