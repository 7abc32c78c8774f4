"""Queues in SQL, beside `persistence/memory/queues.py`: one row per integration."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import date, time
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, any_, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sqlalchemy.pg_driver import PgStatement, is_asyncpg
from adapters.persistence.sqlalchemy.tables import integration_queues
from application.ports.queues import QueueRepository, StoredQueue
from domain.queue import Queue, SlotRule

_ONE = select(integration_queues).where(
    integration_queues.c.integration_id == bindparam("integration_id")
)
_MANY = select(integration_queues).where(
    integration_queues.c.integration_id.in_(bindparam("ids", expanding=True))
)
# The same on asyncpg directly (pg_driver.py), the ids as one array: every `"next_slot"`
# create asks.
_MANY_ON_ASYNCPG = PgStatement(
    select(integration_queues).where(
        integration_queues.c.integration_id
        == any_(bindparam("ids", type_=ARRAY(integration_queues.c.integration_id.type)))
    )
)


class SqlAlchemyQueueRepository(QueueRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, integration_id: UUID) -> StoredQueue | None:
        row = (await self.conn.execute(_ONE, {"integration_id": integration_id})).mappings().first()
        return _from_row(row) if row else None

    async def get_many(self, integration_ids: Collection[UUID]) -> dict[UUID, StoredQueue]:
        if not integration_ids:
            return {}
        params = {"ids": list(integration_ids)}
        if is_asyncpg(self.conn):
            found = (_from_row(row) for row in await _MANY_ON_ASYNCPG.rows(self.conn, params))
        else:
            rows = await self.conn.execute(_MANY, params)
            found = (_from_row(row) for row in rows.mappings())
        return {stored.integration_id: stored for stored in found}

    async def put(self, stored: StoredQueue) -> None:
        """One upsert, so two concurrent first PUTs both succeed (the later one wins)."""
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        row = _to_row(stored)
        statement = dialect.insert(integration_queues).values(row)
        changes = {k: v for k, v in row.items() if k != "integration_id"}
        await self.conn.execute(
            statement.on_conflict_do_update(index_elements=["integration_id"], set_=changes)
        )

    async def delete(self, integration_id: UUID) -> bool:
        done = await self.conn.execute(
            delete(integration_queues).where(integration_queues.c.integration_id == integration_id)
        )
        return bool(done.rowcount)


def _to_row(stored: StoredQueue) -> dict[str, Any]:
    queue = stored.queue
    slots = [
        {"days": list(rule.days), "times": [f"{at:%H:%M}" for at in rule.times]}
        for rule in queue.slots
    ]
    return {
        "integration_id": stored.integration_id,
        "timezone": queue.timezone,
        "slots": json.dumps(slots),
        "blocked_dates": json.dumps(sorted(d.isoformat() for d in queue.blocked_dates)),
        "min_gap_minutes": queue.min_gap_minutes,
        "horizon_days": queue.horizon_days,
        "updated_at": stored.updated_at,
    }


def _from_row(row: Mapping[Any, Any]) -> StoredQueue:
    """Rows were checked when written; they are rebuilt without asking again."""
    slots = tuple(
        SlotRule(tuple(rule["days"]), tuple(time.fromisoformat(t) for t in rule["times"]))
        for rule in json.loads(row["slots"])
    )
    queue = Queue(
        timezone=row["timezone"],
        slots=slots,
        blocked_dates=frozenset(date.fromisoformat(d) for d in json.loads(row["blocked_dates"])),
        min_gap_minutes=row["min_gap_minutes"],
        horizon_days=row["horizon_days"],
    )
    return StoredQueue(row["integration_id"], queue, row["updated_at"])
