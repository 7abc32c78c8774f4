"""In-memory repositories: real adapters over `MemoryStore`, used by unit tests and by
anyone embedding the domain without a database."""

from __future__ import annotations

import copy
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from application.errors import DuplicateIntegration
from application.ports.api_keys import ApiKeyRepository, Principal
from application.ports.busy_times import BusyTimeReader
from application.ports.credentials import CredentialRepository, Credentials, StoredCredentials
from application.ports.integrations import IntegrationRepository
from application.ports.oauth_states import OAuthState, OAuthStateRepository
from application.ports.revisions import IntegrationRevisions
from application.ports.workspaces import WorkspaceRepository
from domain.integration import Integration, IntegrationStatus
from domain.platform import Platform
from domain.workspace import ApiKey, Workspace

BUSY_STATUSES = ("pending", "publishing")


class MemoryWorkspaceRepository(WorkspaceRepository):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def add(self, workspace: Workspace) -> None:
        self.store.workspaces[workspace.id] = workspace

    async def get(self, workspace_id: UUID) -> Workspace | None:
        return self.store.workspaces.get(workspace_id)

    async def get_many(self, workspace_ids: Collection[UUID]) -> dict[UUID, Workspace]:
        found = (self.store.workspaces.get(i) for i in workspace_ids)
        return {w.id: w for w in found if w is not None}

    async def list(self) -> list[Workspace]:
        return sorted(self.store.workspaces.values(), key=lambda w: (w.created_at, w.id))

    async def exists_any(self) -> bool:
        return bool(self.store.workspaces)


class MemoryApiKeyRepository(ApiKeyRepository):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def add(self, key: ApiKey) -> None:
        self.store.api_keys[key.id] = key

    async def get(self, key_id: UUID) -> ApiKey | None:
        return self.store.api_keys.get(key_id)

    async def find_by_hash(self, key_hash: str) -> ApiKey | None:
        return next((k for k in self.store.api_keys.values() if k.key_hash == key_hash), None)

    async def principal_for(self, key_hash: str) -> Principal | None:
        key = await self.find_by_hash(key_hash)
        if key is None or key.is_revoked:
            return None
        workspace = self.store.workspaces[key.workspace_id]
        return Principal(key_id=key.id, workspace_id=workspace.id, workspace_mode=workspace.mode)

    async def list_for_workspace(self, workspace_id: UUID) -> list[ApiKey]:
        keys = [k for k in self.store.api_keys.values() if k.workspace_id == workspace_id]
        return sorted(keys, key=lambda k: (k.created_at, k.id))

    async def revoke(self, key_id: UUID, now: datetime) -> None:
        key = self.store.api_keys.get(key_id)
        if key is not None and not key.is_revoked:
            self.store.api_keys[key_id] = replace(key, revoked_at=now)


class MemoryIntegrationRepository(IntegrationRepository):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def add(self, integration: Integration) -> None:
        existing = await self.find_by_account(
            integration.workspace_id, integration.platform, integration.platform_user_id
        )
        if existing is not None or integration.id in self.store.integrations:
            raise DuplicateIntegration(integration.platform_user_id)
        self.store.integrations[integration.id] = copy.copy(integration)
        self._moved(integration.workspace_id)

    async def save(self, integration: Integration) -> None:
        self.store.integrations[integration.id] = copy.copy(integration)
        self._moved(integration.workspace_id)

    def _moved(self, workspace_id: UUID) -> None:
        revisions = self.store.integration_revisions
        revisions[workspace_id] = revisions.get(workspace_id, 0) + 1

    async def get(self, workspace_id: UUID, integration_id: UUID) -> Integration | None:
        found = self.store.integrations.get(integration_id)
        if found is None or found.workspace_id != workspace_id:
            return None
        return copy.copy(found)

    async def get_any(self, integration_id: UUID) -> Integration | None:
        found = self.store.integrations.get(integration_id)
        return copy.copy(found) if found else None

    async def get_many(self, integration_ids: Collection[UUID]) -> dict[UUID, Integration]:
        found = (self.store.integrations.get(i) for i in integration_ids)
        return {i.id: copy.copy(i) for i in found if i is not None}

    async def find_by_account(
        self, workspace_id: UUID, platform: Platform, platform_user_id: str
    ) -> Integration | None:
        for found in self.store.integrations.values():
            if (found.workspace_id, found.platform, found.platform_user_id) == (
                workspace_id,
                platform,
                platform_user_id,
            ):
                return copy.copy(found)
        return None

    async def list(
        self,
        workspace_id: UUID,
        statuses: Collection[IntegrationStatus],
        limit: int,
        starting_after: Integration | None = None,
    ) -> list[Integration]:
        rows = [
            i
            for i in self.store.integrations.values()
            if i.workspace_id == workspace_id and i.status in statuses
        ]
        rows.sort(key=lambda i: (i.connected_at, i.id), reverse=True)
        if starting_after is not None:
            cursor = (starting_after.connected_at, starting_after.id)
            rows = [i for i in rows if (i.connected_at, i.id) < cursor]
        return [copy.copy(i) for i in rows[:limit]]


class MemoryOAuthStateRepository(OAuthStateRepository):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def add(self, state: OAuthState) -> None:
        self.store.oauth_states[state.state] = state

    async def get(self, state: str) -> OAuthState | None:
        return self.store.oauth_states.get(state)

    async def consume(self, state: str) -> OAuthState | None:
        return self.store.oauth_states.pop(state, None)

    async def purge_expired(self, now: datetime) -> int:
        expired = [k for k, v in self.store.oauth_states.items() if v.is_expired(now)]
        for key in expired:
            del self.store.oauth_states[key]
        return len(expired)


class MemoryCredentialRepository(CredentialRepository):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def get(self, integration_id: UUID) -> StoredCredentials | None:
        return self.store.credentials.get(integration_id)

    async def get_many(self, integration_ids: Collection[UUID]) -> dict[UUID, StoredCredentials]:
        stored = self.store.credentials
        return {i: stored[i] for i in integration_ids if i in stored}

    async def get_for_update(self, integration_id: UUID) -> StoredCredentials | None:
        """A memory unit of work holds the store's lock from start to end: nothing to add."""
        return self.store.credentials.get(integration_id)

    async def put(self, integration_id: UUID, credentials: Credentials) -> int:
        current = self.store.credentials.get(integration_id)
        version = (current.version if current else 0) + 1
        self.store.credentials[integration_id] = StoredCredentials(credentials, version)
        return version

    async def replace(
        self, integration_id: UUID, credentials: Credentials, expected_version: int
    ) -> bool:
        current = self.store.credentials.get(integration_id)
        if current is None or current.version != expected_version:
            return False
        self.store.credentials[integration_id] = StoredCredentials(
            credentials, expected_version + 1
        )
        return True

    async def erase(self, integration_id: UUID) -> None:
        self.store.credentials.pop(integration_id, None)


class MemoryBusyTimeReader(BusyTimeReader):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def busy_times(
        self,
        integration_id: UUID,
        start: datetime,
        end: datetime,
        *,
        excluding_post: UUID | None = None,
    ) -> list[datetime]:
        rows = [
            (t.integration_id, t.scheduled_at, t.status.value)
            for post in self.store.posts.values()
            if post.id != excluding_post
            for t in post.targets
        ]
        return sorted(
            at
            for owner, at, status in [*rows, *self.store.targets]
            if owner == integration_id
            and status in BUSY_STATUSES
            and at is not None
            and start <= at <= end
        )

    async def hold(self, integration_ids: Collection[UUID]) -> None:
        """Nothing to do: a memory unit of work holds the store's lock from start to end."""


class MemoryIntegrationRevisions(IntegrationRevisions):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def of_workspace(self, workspace_id: UUID) -> int:
        async with self.store.lock:  # what is committed: a unit of work holds the lock
            return self.store.integration_revisions.get(workspace_id, 0)
