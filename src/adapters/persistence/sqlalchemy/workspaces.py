"""Workspaces, in SQL."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, any_, bindparam, exists, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sqlalchemy.pg_driver import PgStatement, is_asyncpg
from adapters.persistence.sqlalchemy.tables import (
    workspaces,
)
from adapters.persistence.sqlalchemy.workspace_mappers import workspace_from_row
from application.ports.workspaces import WorkspaceRepository
from domain.workspace import Workspace

_MANY = select(workspaces).where(workspaces.c.id.in_(bindparam("ids", expanding=True)))
# The same on asyncpg directly (pg_driver.py): the ids as one array, for any count.
_MANY_ON_ASYNCPG = PgStatement(
    select(workspaces).where(
        workspaces.c.id == any_(bindparam("ids", type_=ARRAY(workspaces.c.id.type)))
    )
)


class SqlAlchemyWorkspaceRepository(WorkspaceRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, workspace: Workspace) -> None:
        await self.conn.execute(
            insert(workspaces).values(
                id=workspace.id,
                name=workspace.name,
                mode=workspace.mode.value,
                created_at=workspace.created_at,
            )
        )

    async def get(self, workspace_id: UUID) -> Workspace | None:
        row = (
            (await self.conn.execute(select(workspaces).where(workspaces.c.id == workspace_id)))
            .mappings()
            .first()
        )
        return workspace_from_row(row) if row else None

    async def get_many(self, workspace_ids: Collection[UUID]) -> dict[UUID, Workspace]:
        if not workspace_ids:
            return {}
        params = {"ids": list(workspace_ids)}
        if is_asyncpg(self.conn):
            rows: Any = await _MANY_ON_ASYNCPG.rows(self.conn, params)
        else:
            rows = (await self.conn.execute(_MANY, params)).mappings()
        found = (workspace_from_row(row) for row in rows)
        return {workspace.id: workspace for workspace in found}

    async def list(self) -> list[Workspace]:
        rows = await self.conn.execute(
            select(workspaces).order_by(workspaces.c.created_at, workspaces.c.id)
        )
        return [workspace_from_row(r) for r in rows.mappings()]

    async def exists_any(self) -> bool:
        return bool(await self.conn.scalar(select(exists().select_from(workspaces))))
