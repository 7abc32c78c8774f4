"""Idempotency keys over `MemoryStore`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from adapters.persistence.memory.store import MemoryStore
from application.ports.idempotency import IdempotencyRecord, IdempotencyStore, StoredResponse


class MemoryIdempotencyStore(IdempotencyStore):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def take(
        self,
        workspace_id: UUID,
        key: str,
        fingerprint: str,
        now: datetime,
        replace_before: datetime,
        abandoned_before: datetime,
    ) -> IdempotencyRecord | None:
        found = self.store.idempotency.get((workspace_id, key))
        if found is not None and not found.is_stale(replace_before, abandoned_before):
            return found
        self.store.idempotency[(workspace_id, key)] = IdempotencyRecord(fingerprint, now, None)
        return None

    async def take_new(self, wanted: Sequence[tuple[UUID, str, str, datetime]]) -> list[bool]:
        taken = []
        for workspace_id, key, fingerprint, now in wanted:
            new = (workspace_id, key) not in self.store.idempotency
            if new:
                self.store.idempotency[(workspace_id, key)] = IdempotencyRecord(
                    fingerprint, now, None
                )
            taken.append(new)
        return taken

    async def attach(self, workspace_id: UUID, key: str, resource_id: UUID) -> UUID | None:
        found = self.store.idempotency.get((workspace_id, key))
        if found is None:
            return None
        if found.resource_id is not None:
            return found.resource_id if found.resource_id != resource_id else None
        self.store.idempotency[(workspace_id, key)] = replace(found, resource_id=resource_id)
        return None

    async def complete(self, workspace_id: UUID, key: str, response: StoredResponse) -> None:
        found = self.store.idempotency.get((workspace_id, key))
        if found is not None:
            self.store.idempotency[(workspace_id, key)] = replace(found, response=response)

    async def complete_many(self, completed: Sequence[tuple[UUID, str, StoredResponse]]) -> None:
        for workspace_id, key, response in completed:
            await self.complete(workspace_id, key, response)

    async def release(self, workspace_id: UUID, key: str) -> None:
        self.store.idempotency.pop((workspace_id, key), None)

    async def purge(self, created_before: datetime) -> int:
        old = [k for k, v in self.store.idempotency.items() if v.created_at < created_before]
        for k in old:
            del self.store.idempotency[k]
        return len(old)
