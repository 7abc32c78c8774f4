"""API keys over `MemoryStore`."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from application.ports.api_keys import ApiKeyRepository, Principal
from domain.workspace import ApiKey


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
