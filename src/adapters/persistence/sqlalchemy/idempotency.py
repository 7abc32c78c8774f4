"""Idempotency keys in the `idempotency_keys` table, one row per (workspace, key)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, bindparam, delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sqlalchemy import post_mappers as mappers
from adapters.persistence.sqlalchemy.driver import DriverStatement
from adapters.persistence.sqlalchemy.loop import driver_of
from adapters.persistence.sqlalchemy.pg_driver import PgStatement, is_asyncpg
from adapters.persistence.sqlalchemy.tables import idempotency_keys
from application.ports.idempotency import IdempotencyRecord, IdempotencyStore, StoredResponse

_k = idempotency_keys.c
# The statements of every keyed request, built once with bind parameters (see posts.py).
_THIS_KEY = (_k.workspace_id == bindparam("_workspace_id"), _k.key == bindparam("_key"))
_TAKE = {
    "postgresql": pg_insert(idempotency_keys).on_conflict_do_nothing(),
    "sqlite": sqlite_insert(idempotency_keys).on_conflict_do_nothing(),
}
_ATTACH = (
    update(idempotency_keys)
    .where(*_THIS_KEY, _k.resource_id.is_(None))
    .values(resource_id=bindparam("_resource_id"))
)
_RESOURCE = select(_k.resource_id).where(*_THIS_KEY)
_COMPLETE = (
    update(idempotency_keys)
    .where(*_THIS_KEY)
    .values(status_code=bindparam("_status"), response_body=bindparam("_body"))
)
_ROW = select(idempotency_keys).where(*_THIS_KEY)
# SQLite, a unit on the loop: the statements of every keyed request on the driver (driver.py).
_TAKE_DRIVER = DriverStatement(_TAKE["sqlite"])
_ATTACH_DRIVER = DriverStatement(_ATTACH)
_COMPLETE_DRIVER = DriverStatement(_COMPLETE)
# PostgreSQL: the same on asyncpg directly (pg_driver.py).
_TAKE_PG = PgStatement(_TAKE["postgresql"])
_ATTACH_PG = PgStatement(_ATTACH)
_COMPLETE_PG = PgStatement(_COMPLETE)
# PostgreSQL: any number of new keys in one statement; those it inserted come back.
_TAKE_NEW_PG = PgStatement(
    text(
        """INSERT INTO idempotency_keys (workspace_id, key, fingerprint, created_at)
        SELECT * FROM unnest(:workspace_ids, :keys, :fingerprints, :created)
        ON CONFLICT DO NOTHING
        RETURNING workspace_id, key"""
    )
    .bindparams(
        bindparam("workspace_ids", type_=ARRAY(_k.workspace_id.type)),
        bindparam("keys", type_=ARRAY(_k.key.type)),
        bindparam("fingerprints", type_=ARRAY(_k.fingerprint.type)),
        bindparam("created", type_=ARRAY(_k.created_at.type)),
    )
    .columns(_k.workspace_id, _k.key)
)
# PostgreSQL: any number of keys' answers in one statement (arrays, one row per key).
_COMPLETE_MANY_PG = PgStatement(
    text(
        """UPDATE idempotency_keys AS k
        SET status_code = given.status_code, response_body = given.response_body
        FROM unnest(:workspace_ids, :keys, :statuses, :bodies)
            AS given (workspace_id, key, status_code, response_body)
        WHERE k.workspace_id = given.workspace_id AND k.key = given.key"""
    ).bindparams(
        bindparam("workspace_ids", type_=ARRAY(_k.workspace_id.type)),
        bindparam("keys", type_=ARRAY(_k.key.type)),
        bindparam("statuses", type_=ARRAY(_k.status_code.type)),
        bindparam("bodies", type_=ARRAY(_k.response_body.type)),
    )
)


class SqlAlchemyIdempotencyStore(IdempotencyStore):
    """`take` inserts with ON CONFLICT DO NOTHING (a concurrent insert of the same key waits
    for the first and then loses), and replaces a stale record with a compare-and-swap on
    its `created_at`, so of two racing requests exactly one owns the key."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def take(
        self,
        workspace_id: UUID,
        key: str,
        fingerprint: str,
        now: datetime,
        replace_before: datetime,
        abandoned_before: datetime,
    ) -> IdempotencyRecord | None:
        values = _new_key(workspace_id, key, fingerprint, now)
        driver = driver_of(self.conn)
        if driver is not None:
            if _TAKE_DRIVER.execute(driver, values) == 1:
                return None
        elif is_asyncpg(self.conn):
            if await _TAKE_PG.execute(self.conn, values) == 1:
                return None
        elif (await self.conn.execute(_TAKE[self.conn.dialect.name], values)).rowcount == 1:
            return None
        row = await self._row(workspace_id, key)
        if row is None:
            return await self.take(
                workspace_id, key, fingerprint, now, replace_before, abandoned_before
            )
        record = _record(row)
        if not record.is_stale(replace_before, abandoned_before):
            return record
        swapped = await self.conn.execute(
            update(idempotency_keys)
            .where(
                _k.workspace_id == workspace_id, _k.key == key, _k.created_at == record.created_at
            )
            .values(
                fingerprint=fingerprint,
                created_at=now,
                status_code=None,
                response_body=None,
                resource_id=None,
            )
        )
        if swapped.rowcount == 1:
            return None
        row = await self._row(workspace_id, key)
        return _record(row) if row else None

    async def take_new(self, wanted: Sequence[tuple[UUID, str, str, datetime]]) -> list[bool]:
        if not wanted:
            return []
        if not is_asyncpg(self.conn):
            taken = []
            driver = driver_of(self.conn)
            for workspace_id, key, fingerprint, now in wanted:
                values = _new_key(workspace_id, key, fingerprint, now)
                if driver is not None:
                    taken.append(_TAKE_DRIVER.execute(driver, values) == 1)
                else:
                    done = await self.conn.execute(_TAKE[self.conn.dialect.name], values)
                    taken.append(done.rowcount == 1)
            return taken
        # In key order, as `complete_many` writes: two statements that share keys wait on
        # each other in one order.
        order = sorted(range(len(wanted)), key=lambda n: (wanted[n][0], wanted[n][1]))
        rows = await _TAKE_NEW_PG.rows(
            self.conn,
            {
                "workspace_ids": [wanted[n][0] for n in order],
                "keys": [wanted[n][1] for n in order],
                "fingerprints": [wanted[n][2] for n in order],
                "created": [wanted[n][3] for n in order],
            },
        )
        inserted = {(row["workspace_id"], row["key"]) for row in rows}
        taken = []
        for workspace_id, key, _, _ in wanted:
            taken.append((workspace_id, key) in inserted)
            inserted.discard((workspace_id, key))  # the first asking gets it
        return taken

    async def attach(self, workspace_id: UUID, key: str, resource_id: UUID) -> UUID | None:
        this = {"_workspace_id": workspace_id, "_key": key}
        driver = driver_of(self.conn)
        if driver is not None:
            if _ATTACH_DRIVER.execute(driver, this | {"_resource_id": resource_id}) == 1:
                return None
        elif is_asyncpg(self.conn):
            if await _ATTACH_PG.execute(self.conn, this | {"_resource_id": resource_id}) == 1:
                return None
        elif (await self.conn.execute(_ATTACH, this | {"_resource_id": resource_id})).rowcount == 1:
            return None
        earlier = await self.conn.scalar(_RESOURCE, this)
        return earlier if earlier is not None and earlier != resource_id else None

    async def complete(self, workspace_id: UUID, key: str, response: StoredResponse) -> None:
        params = {
            "_workspace_id": workspace_id,
            "_key": key,
            "_status": response.status,
            "_body": mappers.response_to_bytes(response),
        }
        driver = driver_of(self.conn)
        if driver is not None:
            _COMPLETE_DRIVER.execute(driver, params)
        elif is_asyncpg(self.conn):
            await _COMPLETE_PG.execute(self.conn, params)
        else:
            await self.conn.execute(_COMPLETE, params)

    async def complete_many(self, completed: Sequence[tuple[UUID, str, StoredResponse]]) -> None:
        # In key order: two batches that share a key lock it in the same order.
        rows = sorted(completed, key=lambda one: (one[0], one[1]))
        if not rows:
            return
        if is_asyncpg(self.conn):
            await _COMPLETE_MANY_PG.execute(
                self.conn,
                {
                    "workspace_ids": [w for w, _, _ in rows],
                    "keys": [k for _, k, _ in rows],
                    "statuses": [r.status for _, _, r in rows],
                    "bodies": [mappers.response_to_bytes(r) for _, _, r in rows],
                },
            )
            return
        params = [
            {
                "_workspace_id": workspace_id,
                "_key": key,
                "_status": response.status,
                "_body": mappers.response_to_bytes(response),
            }
            for workspace_id, key, response in rows
        ]
        driver = driver_of(self.conn)
        if driver is not None:
            _COMPLETE_DRIVER.execute_many(driver, params)
        else:
            await self.conn.execute(_COMPLETE, params)

    async def release(self, workspace_id: UUID, key: str) -> None:
        await self.conn.execute(
            delete(idempotency_keys).where(_k.workspace_id == workspace_id, _k.key == key)
        )

    async def purge(self, created_before: datetime) -> int:
        result = await self.conn.execute(
            delete(idempotency_keys).where(_k.created_at < created_before)
        )
        return int(result.rowcount or 0)

    async def _row(self, workspace_id: UUID, key: str) -> Any:
        return (
            (await self.conn.execute(_ROW, {"_workspace_id": workspace_id, "_key": key}))
            .mappings()
            .first()
        )


def _new_key(workspace_id: UUID, key: str, fingerprint: str, now: datetime) -> dict[str, Any]:
    return {"workspace_id": workspace_id, "key": key, "fingerprint": fingerprint, "created_at": now}


def _record(row: Any) -> IdempotencyRecord:
    response = None
    if row["status_code"] is not None:
        response = mappers.response_from_bytes(row["status_code"], bytes(row["response_body"]))
    return IdempotencyRecord(row["fingerprint"], row["created_at"], response, row["resource_id"])
