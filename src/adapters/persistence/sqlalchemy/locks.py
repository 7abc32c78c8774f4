"""Row locks that hold until the transaction ends, on both databases.

PostgreSQL locks exactly the rows (`SELECT ... FOR UPDATE`, in primary-key order so two
transactions never wait on each other in a cycle). SQLite has no row locks, and needs
none here: every transaction of ours begins `IMMEDIATE` (`engine.py`), so it holds the
database's write lock from its first statement, and a second process waits (busy
timeout) rather than reading a snapshot it could not write over. (A no-op write took the
lock here before; it cost a statement per lock, and on `integrations` it fired the
revision trigger, making every cached listing of the workspace render again.) Within one
process the single pooled connection already serializes transactions."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection


async def lock_rows(conn: AsyncConnection, table: Table, where: ColumnElement[bool]) -> None:
    if conn.dialect.name == "sqlite":
        return  # the transaction's BEGIN IMMEDIATE holds the write lock already
    key = list(table.primary_key.columns)
    await conn.execute(select(*key).where(where).order_by(*key).with_for_update())
