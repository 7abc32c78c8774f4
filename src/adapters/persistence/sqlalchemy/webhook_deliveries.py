"""Deliveries in SQL, and the due ones as a queue shared by workers on one database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sqlalchemy.locks import lock_rows
from adapters.persistence.sqlalchemy.pg_driver import PgStatement, is_asyncpg
from adapters.persistence.sqlalchemy.tables import (
    webhook_deliveries,
    webhook_endpoints,
    webhook_events,
)
from adapters.persistence.sqlalchemy.webhook_mappers import (
    delivery_from_row,
    delivery_to_row,
    endpoint_from_row,
)
from application.ports.token_cipher import TokenCipher
from application.ports.webhook_deliveries import (
    ClaimedDelivery,
    DeliveryQueue,
    DeliveryRepository,
)
from domain.webhooks.delivery import Delivery, DeliveryStatus

_d, _e = webhook_deliveries.c, webhook_endpoints.c
_PENDING = DeliveryStatus.PENDING.value


class SqlAlchemyDeliveryRepository(DeliveryRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(
        self, workspace_id: UUID, endpoint_id: UUID, delivery_id: UUID, *, for_update: bool = False
    ) -> Delivery | None:
        where = and_(
            _d.id == delivery_id, _d.workspace_id == workspace_id, _d.endpoint_id == endpoint_id
        )
        if for_update:
            await lock_rows(self.conn, webhook_deliveries, where)
        query = select(webhook_deliveries).where(where)
        row = (await self.conn.execute(query)).mappings().first()
        return delivery_from_row(row) if row else None

    async def save(self, delivery: Delivery) -> None:
        await self.conn.execute(
            update(webhook_deliveries).where(_d.id == delivery.id).values(delivery_to_row(delivery))
        )

    async def save_attempts(self, attempts: Sequence[tuple[Delivery, int]]) -> set[UUID]:
        """Two round trips however many: read (on PostgreSQL also lock, in id order) the
        current attempt numbers, then one executemany UPDATE of those still current."""
        if not attempts:
            return set()
        ids = sorted(delivery.id for delivery, _ in attempts)
        query = select(_d.id, _d.attempts, _d.status).where(_d.id.in_(ids))
        if self.conn.dialect.name != "sqlite":  # SQLite: BEGIN IMMEDIATE holds the lock
            query = query.order_by(_d.id).with_for_update()
        current = {row[0]: row[1] for row in await self.conn.execute(query) if row[2] == _PENDING}
        fresh = [d for d, claimed in attempts if current.get(d.id) == claimed]
        if fresh:
            rows = [{"key": d.id, **delivery_to_row(d)} for d in fresh]
            values: dict[str, Any] = {n: bindparam(n) for n in rows[0] if n not in ("key", "id")}
            await self.conn.execute(
                update(webhook_deliveries).where(_d.id == bindparam("key")).values(values), rows
            )
        return {d.id for d in fresh}

    async def list(
        self,
        workspace_id: UUID,
        endpoint_id: UUID,
        status: DeliveryStatus | None,
        limit: int,
        starting_after: Delivery | None = None,
    ) -> list[Delivery]:
        query = select(webhook_deliveries).where(
            _d.workspace_id == workspace_id, _d.endpoint_id == endpoint_id
        )
        if status is not None:
            query = query.where(_d.status == status.value)
        if starting_after is not None:
            at, last = starting_after.created_at, starting_after.id
            query = query.where(or_(_d.created_at < at, and_(_d.created_at == at, _d.id < last)))
        query = query.order_by(_d.created_at.desc(), _d.id.desc()).limit(limit)
        return [delivery_from_row(row) for row in (await self.conn.execute(query)).mappings()]


def _due(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    return and_(
        _d.status == _PENDING,
        _d.next_attempt_at <= now,
        or_(_d.lease_expires_at.is_(None), _d.lease_expires_at <= now),
    )


def _lock_due_endpoints() -> Any:
    """The enabled endpoints with due deliveries, locked, each with how many of its
    deliveries are in flight; built once, `now` and `limit` its parameters."""
    now = bindparam("now", type_=_d.next_attempt_at.type)
    in_flight = (
        select(func.count())
        .where(_d.endpoint_id == _e.id, _d.status == _PENDING, _d.lease_expires_at > now)
        .scalar_subquery()
    )
    return (
        select(webhook_endpoints, in_flight.label("in_flight"))
        .where(_e.enabled.is_(True), exists().where(_d.endpoint_id == _e.id, _due(now)))
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True, of=webhook_endpoints)
    )


_LOCK_DUE_ENDPOINTS = _lock_due_endpoints()
# The same on asyncpg directly (pg_driver.py): a worker asks several times a second.
_LOCK_DUE_ENDPOINTS_ON_ASYNCPG = PgStatement(_LOCK_DUE_ENDPOINTS)


class SqlAlchemyDeliveryQueue(DeliveryQueue):
    """A claim locks the endpoints that have due deliveries (`FOR UPDATE SKIP LOCKED`:
    an endpoint another worker is claiming for is skipped), counts what each has in
    flight, and leases at most enough of its due deliveries to reach `per_endpoint`. The
    SQL mirrors `Delivery.claim` (one more attempt, a lease)."""

    def __init__(self, conn: AsyncConnection, cipher: TokenCipher) -> None:
        self.conn, self.cipher = conn, cipher

    async def claim_due(
        self, now: datetime, lease: timedelta, limit: int, per_endpoint: int
    ) -> list[ClaimedDelivery]:
        if limit <= 0:
            return []
        params = {"now": now, "limit": limit}
        if is_asyncpg(self.conn):
            locked: Any = await _LOCK_DUE_ENDPOINTS_ON_ASYNCPG.rows(self.conn, params)
        else:
            locked = (await self.conn.execute(_LOCK_DUE_ENDPOINTS, params)).mappings()
        endpoints, busy = {}, {}
        for row in locked:
            endpoints[row["id"]] = row
            busy[row["id"]] = row["in_flight"]
        endpoint_ids = list(endpoints)
        if not endpoint_ids:
            return []
        picks = []
        for endpoint_id in endpoint_ids:
            room = per_endpoint - busy.get(endpoint_id, 0)
            if room > 0:
                oldest_due = (
                    select(_d.id, _d.next_attempt_at)
                    .where(_d.endpoint_id == endpoint_id, _due(now))
                    .order_by(_d.next_attempt_at, _d.id)
                    .limit(room)
                    .subquery()
                )
                picks.append(select(oldest_due.c.id, oldest_due.c.next_attempt_at))
        if not picks:
            return []
        # One round trip for every endpoint's share, each read through the due index.
        rows = sorted(
            (await self.conn.execute(union_all(*picks))).all(), key=lambda r: (r[1], r[0])
        )
        chosen: list[UUID] = [row[0] for row in rows[:limit]]
        if not chosen:
            return []
        return await self._lease(chosen, now, lease, endpoints)

    async def _lease(
        self,
        delivery_ids: list[UUID],
        now: datetime,
        lease: timedelta,
        endpoint_rows: dict[UUID, RowMapping],
    ) -> list[ClaimedDelivery]:
        rows = (
            await self.conn.execute(
                update(webhook_deliveries)
                .where(_d.id.in_(delivery_ids))
                .values(attempts=_d.attempts + 1, lease_expires_at=now + lease, updated_at=now)
                .returning(*webhook_deliveries.c)
            )
        ).mappings()
        deliveries = [delivery_from_row(row) for row in rows]
        event_rows = await self.conn.execute(
            select(webhook_events.c.id, webhook_events.c.body).where(
                webhook_events.c.id.in_({d.event_id for d in deliveries})
            )
        )
        bodies = {row[0]: bytes(row[1]) for row in event_rows}
        endpoints = {
            endpoint_id: endpoint_from_row(endpoint_rows[endpoint_id], self.cipher)
            for endpoint_id in {d.endpoint_id for d in deliveries}
        }
        return [
            ClaimedDelivery(d, endpoints[d.endpoint_id], bodies[d.event_id])
            for d in sorted(deliveries, key=lambda d: (d.next_attempt_at or now, d.id))
        ]
