"""API keys (stored as hashes) and the principal a key names, in SQL."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sqlalchemy.tables import (
    api_keys,
    workspaces,
)
from adapters.persistence.sqlalchemy.workspace_mappers import api_key_from_row
from application.ports.api_keys import ApiKeyRepository, Principal
from domain.workspace import ApiKey, WorkspaceMode

# Built once: a key lookup runs on every cache miss of the gate.
_PRINCIPAL = (
    select(api_keys.c.id, api_keys.c.workspace_id, workspaces.c.mode)
    .join(workspaces, workspaces.c.id == api_keys.c.workspace_id)
    .where(api_keys.c.key_hash == bindparam("key_hash"), api_keys.c.revoked_at.is_(None))
)


class SqlAlchemyApiKeyRepository(ApiKeyRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, key: ApiKey) -> None:
        await self.conn.execute(
            insert(api_keys).values(
                id=key.id,
                workspace_id=key.workspace_id,
                prefix=key.prefix,
                key_hash=key.key_hash,
                created_at=key.created_at,
                revoked_at=key.revoked_at,
            )
        )

    async def get(self, key_id: UUID) -> ApiKey | None:
        row = (
            (await self.conn.execute(select(api_keys).where(api_keys.c.id == key_id)))
            .mappings()
            .first()
        )
        return api_key_from_row(row) if row else None

    async def find_by_hash(self, key_hash: str) -> ApiKey | None:
        row = (
            (await self.conn.execute(select(api_keys).where(api_keys.c.key_hash == key_hash)))
            .mappings()
            .first()
        )
        return api_key_from_row(row) if row else None

    async def principal_for(self, key_hash: str) -> Principal | None:
        row = (await self.conn.execute(_PRINCIPAL, {"key_hash": key_hash})).first()
        if row is None:
            return None
        return Principal(key_id=row[0], workspace_id=row[1], workspace_mode=WorkspaceMode(row[2]))

    async def list_for_workspace(self, workspace_id: UUID) -> list[ApiKey]:
        rows = await self.conn.execute(
            select(api_keys)
            .where(api_keys.c.workspace_id == workspace_id)
            .order_by(api_keys.c.created_at, api_keys.c.id)
        )
        return [api_key_from_row(r) for r in rows.mappings()]

    async def revoke(self, key_id: UUID, now: datetime) -> None:
        await self.conn.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
