"""The busy times that block an integration's slots, in SQL."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import String, bindparam, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sqlalchemy.pg_driver import PgStatement, is_asyncpg
from adapters.persistence.sqlalchemy.tables import (
    BUSY_TARGET,
    integrations,
    post_targets,
)
from application.ports.busy_times import BusyTimeReader

# A next-slot read returns up to a few thousand times: they skip the column type's per-row
# processing (SQLAlchemy's and `UtcDateTime`'s, most of the read's cost) and are made aware
# UTC datetimes in one pass by `_as_utc`. The SQL is the same.
_BUSY = select(type_coerce(post_targets.c.scheduled_at, String())).where(
    post_targets.c.integration_id == bindparam("integration_id"),
    BUSY_TARGET,
    post_targets.c.scheduled_at >= bindparam("start"),
    post_targets.c.scheduled_at <= bindparam("end"),
)
_BUSY_BUT = _BUSY.where(post_targets.c.post_id != bindparam("post_id")).order_by(
    post_targets.c.scheduled_at
)
_BUSY = _BUSY.order_by(post_targets.c.scheduled_at)  # the index's own order: no sort step
# The same on asyncpg directly (pg_driver.py): every `"next_slot"` create reads them.
_BUSY_ON_ASYNCPG, _BUSY_BUT_ON_ASYNCPG = PgStatement(_BUSY), PgStatement(_BUSY_BUT)
# `locks.lock_rows` for the integrations, built once: in primary-key order, PostgreSQL only.
_HOLD = (
    select(integrations.c.id)
    .where(integrations.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(integrations.c.id)
    .with_for_update()
)


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
        params = {"integration_id": integration_id, "start": start, "end": end}
        if is_asyncpg(self.conn):
            if excluding_post is None:
                found = await _BUSY_ON_ASYNCPG.scalars(self.conn, params)
            else:
                found = await _BUSY_BUT_ON_ASYNCPG.scalars(
                    self.conn, params | {"post_id": excluding_post}
                )
            return [_as_utc(value) for value in found]
        if excluding_post is None:
            rows = await self.conn.execute(_BUSY, params)
        else:
            rows = await self.conn.execute(_BUSY_BUT, params | {"post_id": excluding_post})
        return [_as_utc(value) for value in rows.scalars().all()]

    async def hold(self, integration_ids: Collection[UUID]) -> None:
        # On SQLite the transaction's BEGIN IMMEDIATE holds the write lock already (locks.py).
        if integration_ids and self.conn.dialect.name != "sqlite":
            await self.conn.execute(_HOLD, {"ids": sorted(integration_ids)})


def _as_utc(value: str | datetime) -> datetime:
    """SQLite gives naive UTC text, asyncpg an aware datetime (in UTC for timestamptz)."""
    if isinstance(value, str):  # (`.replace(tzinfo=UTC)` costs six times the parse)
        return datetime.fromisoformat(value + "+00:00")
    return value if value.tzinfo is UTC else value.astimezone(UTC)
