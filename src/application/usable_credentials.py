"""The publisher's door to token keeping.

`execute` returns credentials that work now; the rules (refresh within the margin, one
refresher per integration across processes, compare-and-swap, needs_refresh on a refusal
for good) live in `RefreshCredentials`, shared with every other caller so its in-process
locks are one set. `rejected` handles a refusal seen while publishing.
"""

from __future__ import annotations

from uuid import UUID

from application.ports.clock import Clock
from application.ports.credentials import StoredCredentials
from application.ports.unit_of_work import UnitOfWorkFactory
from application.refresh_credentials import RefreshCredentials
from application.webhook_events import integration_event
from domain.integration import Integration, StatusReason
from domain.webhooks.events import EventType
from domain.workspace import WorkspaceMode


class GetUsableCredentials:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        refresher: RefreshCredentials,
    ) -> None:
        self.uow_factory, self.clock, self.refresher = uow_factory, clock, refresher

    async def execute(
        self,
        integration: Integration,
        mode: WorkspaceMode,
        *,
        refused_version: int | None = None,
        known: StoredCredentials | None = None,
    ) -> StoredCredentials:
        """`known`: the stored credentials as the caller just read them. While their access
        token is good beyond the refresh margin they are the answer, without the locked
        read that a refresh needs (most publishes); otherwise the refresher decides."""
        if (
            known is not None
            and refused_version is None
            and not known.credentials.expires_within(
                self.clock.now(), self.refresher.policy.margin_s
            )
        ):
            return known
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
            was = integration.status
            integration.credentials_rejected(reason, now)
            await uow.integrations.save(integration)
            if integration.status is not was:
                kind = EventType.INTEGRATION_NEEDS_REFRESH
                await uow.outbox.record(integration_event(kind, integration, now))
            await uow.commit()
