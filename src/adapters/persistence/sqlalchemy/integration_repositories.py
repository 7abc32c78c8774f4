"""Integrations and the busy times that block their slots, in SQL."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sqlalchemy import mappers
from adapters.persistence.sqlalchemy.locks import lock_rows
from adapters.persistence.sqlalchemy.tables import (
    BUSY_TARGET,
    integrations,
    post_targets,
)
from application.errors import DuplicateIntegration
from application.ports.busy_times import BusyTimeReader
from application.ports.integrations import IntegrationRepository
from domain.integration import Integration, IntegrationStatus
from domain.platform import Platform


class SqlAlchemyIntegrationRepository(IntegrationRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, integration: Integration) -> None:
        try:
            async with self.conn.begin_nested():
                await self.conn.execute(
                    insert(integrations).values(mappers.integration_to_row(integration))
                )
        except IntegrityError as error:
            if "uq_integrations_account" in str(error.orig) or "UNIQUE" in str(error.orig):
                raise DuplicateIntegration(integration.platform_user_id) from error
            raise

    async def save(self, integration: Integration) -> None:
        row = mappers.integration_to_row(integration)
        del row["id"]
        await self.conn.execute(
            update(integrations).where(integrations.c.id == integration.id).values(row)
        )

    async def get(self, workspace_id: UUID, integration_id: UUID) -> Integration | None:
        row = (
            (
                await self.conn.execute(
                    select(integrations).where(
                        integrations.c.id == integration_id,
                        integrations.c.workspace_id == workspace_id,
                    )
                )
            )
            .mappings()
            .first()
        )
        return mappers.integration_from_row(row) if row else None

    async def get_any(self, integration_id: UUID) -> Integration | None:
        row = (
            (
                await self.conn.execute(
                    select(integrations).where(integrations.c.id == integration_id)
                )
            )
            .mappings()
            .first()
        )
        return mappers.integration_from_row(row) if row else None

    async def find_by_account(
        self, workspace_id: UUID, platform: Platform, platform_user_id: str
    ) -> Integration | None:
        row = (
            (
                await self.conn.execute(
                    select(integrations).where(
                        integrations.c.workspace_id == workspace_id,
                        integrations.c.platform == platform.value,
                        integrations.c.platform_user_id == platform_user_id,
                    )
                )
            )
            .mappings()
            .first()
        )
        return mappers.integration_from_row(row) if row else None

    async def list(
        self,
        workspace_id: UUID,
        statuses: Collection[IntegrationStatus],
        limit: int,
        starting_after: Integration | None = None,
    ) -> list[Integration]:
        query = select(integrations).where(
            integrations.c.workspace_id == workspace_id,
            integrations.c.status.in_([s.value for s in statuses]),
        )
        if starting_after is not None:
            at, last_id = starting_after.connected_at, starting_after.id
            query = query.where(
                or_(
                    integrations.c.connected_at < at,
                    and_(integrations.c.connected_at == at, integrations.c.id < last_id),
                )
            )
        query = query.order_by(integrations.c.connected_at.desc(), integrations.c.id.desc())
        rows = await self.conn.execute(query.limit(limit))
        return [mappers.integration_from_row(r) for r in rows.mappings()]


class SqlAlchemyBusyTimeReader(BusyTimeReader):
    """Reads through the partial index `ix_post_targets_busy` (integration, scheduled_at)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def busy_times(
        self,
        integration_id: UUID,
        start: datetime,
        end: datetime,
        *,
        excluding_post: UUID | None = None,
    ) -> list[datetime]:
        query = select(post_targets.c.scheduled_at).where(
            post_targets.c.integration_id == integration_id,
            BUSY_TARGET,
            post_targets.c.scheduled_at >= start,
            post_targets.c.scheduled_at <= end,
        )
        if excluding_post is not None:
            query = query.where(post_targets.c.post_id != excluding_post)
        rows = await self.conn.execute(query)
        return [r[0] for r in rows]

    async def hold(self, integration_ids: Collection[UUID]) -> None:
        if integration_ids:
            await lock_rows(self.conn, integrations, integrations.c.id.in_(sorted(integration_ids)))
