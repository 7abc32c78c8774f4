import logging
from uuid import UUID

from application.errors import NotFound
from application.ports.clock import Clock
from application.ports.credentials import Credentials
from application.ports.platform_directory import PlatformDirectory
from application.ports.unit_of_work import UnitOfWork
from application.webhook_events import integration_event
from domain.integration import Integration
from domain.webhooks.events import EventType
from domain.workspace import WorkspaceMode

log = logging.getLogger(__name__)


class DisconnectIntegration:
    """Disconnects an integration and erases every stored credential. Idempotent.

    The tokens are revoked at the platform after the commit, best effort: a platform that
    is down must not keep a user from disconnecting. Scheduled posts stay scheduled; the
    publisher fails them unless the account is connected again in time.
    """

    def __init__(self, uow: UnitOfWork, clock: Clock, platforms: PlatformDirectory) -> None:
        self.uow = uow
        self.clock = clock
        self.platforms = platforms

    async def execute(
        self, workspace_id: UUID, mode: WorkspaceMode, integration_id: UUID
    ) -> Integration:
        now = self.clock.now()
        async with self.uow:
            integration = await self.uow.integrations.get(workspace_id, integration_id)
            if integration is None:
                raise NotFound(str(integration_id))
            stored = await self.uow.credentials.get(integration_id)
            was_disconnected = integration.is_disconnected
            integration.disconnect(now)
            await self.uow.integrations.save(integration)
            if not was_disconnected:
                kind = EventType.INTEGRATION_DISCONNECTED
                await self.uow.outbox.record(integration_event(kind, integration, now))
            await self.uow.credentials.erase(integration_id)
            await self.uow.commit()
        if stored is not None:
            await self._revoke(integration, mode, stored.credentials)
        return integration

    async def _revoke(
        self, integration: Integration, mode: WorkspaceMode, credentials: Credentials
    ) -> None:
        try:
            gateway = self.platforms.gateway(integration.platform, mode)
            await gateway.revoke(credentials)
        except Exception as error:
            log.warning(
                "revoke at %s failed for integration %s: %s",
                integration.platform,
                integration.id,
                type(error).__name__,
            )
