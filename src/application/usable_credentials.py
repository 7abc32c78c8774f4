"""Credentials good enough to act for an integration right now.

- Stored credentials that expire within `margin_s` (REFRESH_MARGIN_S) are refreshed at the
  platform first. `refused_version` says the platform just refused that version as
  expired: it is refreshed unless a newer version is already stored.
- A refresh is stored with compare-and-swap on the version it started from: refresh tokens
  are single-use, so when another process refreshed first, its credentials are used.
- A refresh credential past its known expiry is not even tried: the integration moves to
  needs_refresh with `token_expired`.
- Credentials refused for good (`CredentialsRejected`): the stored credentials are read
  once more; newer ones (another refresh, a reconnect) are used; otherwise the integration
  moves to needs_refresh (`token_revoked`) through the entity and the error propagates.
- Test workspaces' synthetic accounts have nothing stored; they get placeholder
  credentials for the simulated platform.
"""

from __future__ import annotations

from uuid import UUID

from application.ports.clock import Clock
from application.ports.credentials import StoredCredentials
from application.ports.platform_directory import PlatformDirectory
from application.ports.unit_of_work import UnitOfWorkFactory
from application.refresh_credentials import RefreshCredentials, RefreshPolicy
from domain.integration import Integration, StatusReason
from domain.workspace import WorkspaceMode


class GetUsableCredentials:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        platforms: PlatformDirectory,
        margin_s: float,
    ) -> None:
        self.uow_factory, self.clock, self.platforms = uow_factory, clock, platforms
        self.margin_s = margin_s
        self.refresher = RefreshCredentials(uow_factory, clock, platforms, RefreshPolicy(margin_s))

    async def execute(
        self, integration: Integration, mode: WorkspaceMode, *, refused_version: int | None = None
    ) -> StoredCredentials:
        """Token keeping proper (one refresher per integration across processes, the rules
        above) lives in `RefreshCredentials`; this is the publisher's door to it."""
        return await self.refresher.execute(integration.id, refused_version=refused_version)

    async def rejected(self, integration_id: UUID, used_version: int) -> StoredCredentials | None:
        """The platform refused credentials of `used_version` for good. Returns newer stored
        credentials if there are some; otherwise moves the integration to needs_refresh."""
        current = await self._read(integration_id)
        if current is not None and current.version != used_version:
            return current
        await self._needs_refresh(integration_id, StatusReason.TOKEN_REVOKED)
        return None

    async def _read(self, integration_id: UUID) -> StoredCredentials | None:
        async with self.uow_factory() as uow:
            return await uow.credentials.get(integration_id)

    async def _needs_refresh(self, integration_id: UUID, reason: StatusReason) -> None:
        now = self.clock.now()
        async with self.uow_factory() as uow:
            integration = await uow.integrations.get_any(integration_id)
            if integration is None:
                return
            integration.credentials_rejected(reason, now)
            await uow.integrations.save(integration)
            await uow.commit()
