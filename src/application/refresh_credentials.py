"""Token keeping: credentials that work now, refreshed shortly before they expire."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn
from uuid import UUID
from weakref import WeakValueDictionary

from application.errors import NotFound
from application.ports.clock import Clock
from application.ports.credentials import Credentials, StoredCredentials
from application.ports.metrics import NO_METRICS, Metrics
from application.ports.platform_directory import PlatformDirectory
from application.ports.platforms import CredentialsRejected, PlatformUnreachable
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.webhook_events import integration_event
from domain.integration import Integration, IntegrationStatus, StatusReason
from domain.webhooks.events import EventType
from domain.workspace import WorkspaceMode

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RefreshPolicy:
    """Refresh when the access token expires within `margin_s` (REFRESH_MARGIN_S)."""

    margin_s: float = 300


class RefreshCredentials:
    """Credentials that work now for an integration, refreshing them when they expire within
    the margin, or when the caller says the platform just refused the version it used
    (`refused_version`; a newer stored version is returned as it is).

    Rules:
    - One refresher at a time per integration, across processes: the stored row is locked
      (`get_for_update`) in a transaction around the refresh call, and within a process an
      asyncio lock keeps a second caller from even queueing on the database. The second
      caller then reads the already-refreshed row instead of spending the refresh token
      again (X's refresh tokens are single-use).
    - The new refresh token is committed before the new access token is handed out.
    - A refusal is final only after re-reading the stored row (another writer may have
      rotated it); then the integration goes to needs_refresh with `token_revoked`.
      `token_expired` is used only when the stored refresh credential is past its known
      expiry, before any call.
    - Transient failures never change status. They leave as `PlatformUnreachable` with
      `sent=False`: whatever happened to the refresh, no post was sent.
    - Test workspaces' synthetic accounts have no stored tokens: they get placeholder
      credentials for the simulated platform.

    Call it outside any unit of work (it opens its own). One instance per process, so its
    locks are shared.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        platforms: PlatformDirectory,
        policy: RefreshPolicy,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.platforms = platforms
        self.policy = policy
        self.metrics = metrics
        self._locks: WeakValueDictionary[UUID, asyncio.Lock] = WeakValueDictionary()

    async def execute(
        self, integration_id: UUID, *, refused_version: int | None = None
    ) -> StoredCredentials:
        lock = self._locks.get(integration_id)
        if lock is None:
            lock = self._locks[integration_id] = asyncio.Lock()
        async with lock:
            return await self._locked(integration_id, refused_version)

    async def _locked(self, integration_id: UUID, refused_version: int | None) -> StoredCredentials:
        async with self.uow_factory() as uow:
            # The lock first: on SQLite a transaction that read before it writes cannot
            # wait for the write lock, it fails at once.
            stored = await uow.credentials.get_for_update(integration_id)
            now = self.clock.now()
            integration = await uow.integrations.get_any(integration_id)
            if integration is None:
                raise NotFound(str(integration_id))
            integration.ensure_usable()
            if integration.status is IntegrationStatus.NEEDS_REFRESH:
                reason = integration.status_reason or StatusReason.TOKEN_REVOKED
                raise CredentialsRejected(reason.value, "the account must be connected again")
            workspace = await uow.workspaces.get(integration.workspace_id)
            mode = workspace.mode if workspace else WorkspaceMode.LIVE
            if stored is None:
                if mode is WorkspaceMode.TEST:
                    return StoredCredentials(_synthetic(integration), 0)
                await _reject(uow, integration, StatusReason.TOKEN_REVOKED, now)
            current = stored.credentials
            if refused_version is not None and refused_version != stored.version:
                return stored
            refused = refused_version is not None
            if not refused and not current.expires_within(now, self.policy.margin_s):
                return stored
            if not _can_refresh(current, now):
                if not refused and not _expired(current, now):
                    return stored
                await _reject(uow, integration, StatusReason.TOKEN_EXPIRED, now)
            return await self._refresh(uow, integration, mode, stored, now)

    async def _refresh(
        self,
        uow: UnitOfWork,
        integration: Integration,
        mode: WorkspaceMode,
        stored: StoredCredentials,
        now: datetime,
    ) -> StoredCredentials:
        gateway = self.platforms.gateway(integration.platform, mode)
        platform = integration.platform.value
        try:
            fresh = await gateway.refresh(stored.credentials)
        except CredentialsRejected:
            again = await uow.credentials.get(integration.id)
            if again is not None and again.version != stored.version:
                self.metrics.token_refreshed(platform, "superseded")
                return again
            self.metrics.token_refreshed(platform, "rejected")
            await _reject(uow, integration, StatusReason.TOKEN_REVOKED, now)
        except PlatformUnreachable as error:
            self.metrics.token_refreshed(platform, "unreachable")
            raise PlatformUnreachable(str(error), sent=False) from error
        if not await uow.credentials.replace(integration.id, fresh, stored.version):
            # Only a store without locks gets here: a newer connect won; use its tokens.
            log.warning("credentials of integration %s changed during refresh", integration.id)
            self.metrics.token_refreshed(platform, "superseded")
            again = await uow.credentials.get(integration.id)
            return again or StoredCredentials(fresh, stored.version)
        await uow.commit()
        self.metrics.token_refreshed(platform, "refreshed")
        return StoredCredentials(fresh, stored.version + 1)


def _synthetic(integration: Integration) -> Credentials:
    """What the simulated platform needs to name a post of a synthetic account."""
    return Credentials(
        access_token="simulated",
        extra={
            "username": integration.username,
            "handle": integration.username,
            "did": integration.platform_user_id,
        },
    )


def _can_refresh(credentials: Credentials, now: datetime) -> bool:
    if not credentials.refresh_token:
        return False
    return credentials.refresh_expires_at is None or credentials.refresh_expires_at > now


def _expired(credentials: Credentials, now: datetime) -> bool:
    return credentials.expires_at is not None and credentials.expires_at <= now


async def _reject(
    uow: UnitOfWork, integration: Integration, reason: StatusReason, now: datetime
) -> NoReturn:
    """Records the refusal for good, then raises it: the account must be connected again."""
    was = integration.status
    integration.credentials_rejected(reason, now)
    await uow.integrations.save(integration)
    if integration.status is not was:
        kind = EventType.INTEGRATION_NEEDS_REFRESH
        await uow.outbox.record(integration_event(kind, integration, now))
    await uow.commit()
    raise CredentialsRejected(reason.value, "the platform refused the stored credentials")
