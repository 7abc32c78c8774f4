"""A hand-built world for use-case tests: the in-memory store, a clock that moves only when
told, real UUIDv7 ids, and helpers that put workspaces and integrations in place."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from adapters.clock import ManualClock
from adapters.ids import Uuid7Generator
from adapters.persistence.memory import MemoryStore, MemoryUnitOfWork
from adapters.persistence.memory.revisions import MemoryIntegrationRevisions
from domain.integration import Integration, IntegrationStatus, Profile, StatusReason
from domain.platform import Platform
from domain.workspace import Workspace, WorkspaceMode

START = datetime(2026, 4, 17, 12, 10, tzinfo=UTC)


@dataclass
class World:
    store: MemoryStore = field(default_factory=MemoryStore)
    clock: ManualClock = field(default_factory=lambda: ManualClock(START))
    ids: Uuid7Generator = field(default_factory=Uuid7Generator)
    _accounts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)

    @property
    def revisions(self) -> MemoryIntegrationRevisions:
        return MemoryIntegrationRevisions(self.store)

    def workspace(self, mode: WorkspaceMode = WorkspaceMode.LIVE, name: str = "acme") -> Workspace:
        workspace = Workspace(self.ids.new_id(), name, mode, self.clock.now())
        self.store.workspaces[workspace.id] = workspace
        return workspace

    def integration(
        self,
        workspace: Workspace,
        *,
        platform: Platform = Platform.TWITTER,
        status: IntegrationStatus = IntegrationStatus.ACTIVE,
        connected_at: datetime | None = None,
        id: UUID | None = None,
    ) -> Integration:
        number = next(self._accounts)
        moment = connected_at or self.clock.now()
        integration = Integration.connect(
            id=id or self.ids.new_id(),
            workspace_id=workspace.id,
            platform=platform,
            profile=Profile(str(number), f"user{number}", f"User {number}"),
            now=moment,
        )
        if status is IntegrationStatus.NEEDS_REFRESH:
            integration.credentials_rejected(StatusReason.TOKEN_REVOKED, moment)
        elif status is IntegrationStatus.DISCONNECTED:
            integration.disconnect(moment)
        self.store.integrations[integration.id] = integration
        return integration
