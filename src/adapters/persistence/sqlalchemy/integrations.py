"""Integrations, in SQL."""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, and_, any_, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sqlalchemy.driver import DriverStatement
from adapters.persistence.sqlalchemy.integration_mappers import (
    integration_from_row,
    integration_to_row,
)
from adapters.persistence.sqlalchemy.loop import driver_of
from adapters.persistence.sqlalchemy.pg_driver import PgStatement, is_asyncpg
from adapters.persistence.sqlalchemy.tables import (
    integrations,
)
from application.errors import DuplicateIntegration
from application.ports.integrations import IntegrationRepository
from domain.integration import Integration, IntegrationStatus
from domain.platform import Platform

# The hot reads are built once, at import: a statement built per call costs SQLAlchemy
# more to build and to look up in its compiled cache (its cache key is recomputed on every
# new statement object) than the database takes to answer it.
_ONE = select(integrations).where(
    integrations.c.id == bindparam("integration_id"),
    integrations.c.workspace_id == bindparam("workspace_id"),
)
_MANY = select(integrations).where(integrations.c.id.in_(bindparam("ids", expanding=True)))
# PostgreSQL: `busy_times.hold`'s lock (in primary-key order) and the read in one statement.
# SQLite: the transaction's BEGIN IMMEDIATE holds the write lock already (locks.py).
_HELD = _MANY.where(integrations.c.workspace_id == bindparam("workspace_id")).order_by(
    integrations.c.id
)
_HELD_LOCKED = _HELD.with_for_update()
# The ids as one array, for any count, on asyncpg directly (pg_driver.py).
_IDS_IN_ARRAY = integrations.c.id == any_(bindparam("ids", type_=ARRAY(integrations.c.id.type)))
_MANY_ON_ASYNCPG = PgStatement(select(integrations).where(_IDS_IN_ARRAY))
# The same on asyncpg directly (pg_driver.py): the ids as one array, for any count.
_HELD_ON_ASYNCPG = PgStatement(
    select(integrations)
    .where(
        integrations.c.id == any_(bindparam("ids", type_=ARRAY(integrations.c.id.type))),
        integrations.c.workspace_id == bindparam("workspace_id"),
    )
    .order_by(integrations.c.id)
    .with_for_update()
)


@functools.cache
def _held_on_driver(count: int) -> DriverStatement:
    """`_HELD` for `count` ids (SQLite, a unit on the loop: driver.py), named `id0`..."""
    return DriverStatement(
        select(integrations)
        .where(
            integrations.c.id.in_(
                [bindparam(f"id{n}", type_=integrations.c.id.type) for n in range(count)]
            ),
            integrations.c.workspace_id == bindparam("workspace_id"),
        )
        .order_by(integrations.c.id)
    )


_PAGE = (
    select(integrations)
    .where(
        integrations.c.workspace_id == bindparam("workspace_id"),
        integrations.c.status.in_(bindparam("statuses", expanding=True)),
    )
    .order_by(integrations.c.connected_at.desc(), integrations.c.id.desc())
    .limit(bindparam("limit"))
)
_PAGE_AFTER = _PAGE.where(
    or_(
        integrations.c.connected_at < bindparam("at"),
        and_(
            integrations.c.connected_at == bindparam("at"),
            integrations.c.id < bindparam("last_id"),
        ),
    )
)


class SqlAlchemyIntegrationRepository(IntegrationRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, integration: Integration) -> None:
        try:
            async with self.conn.begin_nested():
                await self.conn.execute(
                    insert(integrations).values(integration_to_row(integration))
                )
        except IntegrityError as error:
            if "uq_integrations_account" in str(error.orig) or "UNIQUE" in str(error.orig):
                raise DuplicateIntegration(integration.platform_user_id) from error
            raise

    async def save(self, integration: Integration) -> None:
        row = integration_to_row(integration)
        del row["id"]
        await self.conn.execute(
            update(integrations).where(integrations.c.id == integration.id).values(row)
        )

    async def get(self, workspace_id: UUID, integration_id: UUID) -> Integration | None:
        found = await self.conn.execute(
            _ONE, {"integration_id": integration_id, "workspace_id": workspace_id}
        )
        row = found.mappings().first()
        return integration_from_row(row) if row else None

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
        return integration_from_row(row) if row else None

    async def get_many(self, integration_ids: Collection[UUID]) -> dict[UUID, Integration]:
        if not integration_ids:
            return {}
        params = {"ids": list(integration_ids)}
        if is_asyncpg(self.conn):
            rows: Any = await _MANY_ON_ASYNCPG.rows(self.conn, params)
        else:
            rows = (await self.conn.execute(_MANY, params)).mappings()
        found = (integration_from_row(row) for row in rows)
        return {integration.id: integration for integration in found}

    async def get_held(
        self, workspace_id: UUID, integration_ids: Collection[UUID]
    ) -> dict[UUID, Integration]:
        if not integration_ids:
            return {}
        driver = driver_of(self.conn)
        if driver is not None:
            ids = {f"id{n}": i for n, i in enumerate(sorted(integration_ids))}
            rows = _held_on_driver(len(ids)).rows(driver, ids | {"workspace_id": workspace_id})
            return {row["id"]: integration_from_row(row) for row in rows}
        params = {"ids": sorted(integration_ids), "workspace_id": workspace_id}
        if is_asyncpg(self.conn):
            rows = await _HELD_ON_ASYNCPG.rows(self.conn, params)
            return {row["id"]: integration_from_row(row) for row in rows}
        statement = _HELD if self.conn.dialect.name == "sqlite" else _HELD_LOCKED
        found = (
            integration_from_row(row)
            for row in (await self.conn.execute(statement, params)).mappings()
        )
        return {integration.id: integration for integration in found}

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
        return integration_from_row(row) if row else None

    async def list(
        self,
        workspace_id: UUID,
        statuses: Collection[IntegrationStatus],
        limit: int,
        starting_after: Integration | None = None,
    ) -> list[Integration]:
        params = {
            "workspace_id": workspace_id,
            "statuses": [s.value for s in statuses],
            "limit": limit,
        }
        if starting_after is None:
            rows = await self.conn.execute(_PAGE, params)
        else:
            after = {"at": starting_after.connected_at, "last_id": starting_after.id}
            rows = await self.conn.execute(_PAGE_AFTER, params | after)
        return [integration_from_row(r) for r in rows.mappings()]
