"""Row locks that hold until the transaction ends, on both databases.

PostgreSQL locks exactly the rows (`SELECT ... FOR UPDATE`, in primary-key order so two
transactions never wait on each other in a cycle). SQLite has no row locks: a no-op write
takes the database's write lock instead, so a second process waits (busy timeout) rather
than reading a snapshot it could not write over. Within one process the single pooled
connection already serializes transactions."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, select, update
from sqlalchemy.ext.asyncio import AsyncConnection


async def lock_rows(conn: AsyncConnection, table: Table, where: ColumnElement[bool]) -> None:
    if conn.dialect.name == "sqlite":
        await conn.execute(update(table).where(where).values(updated_at=table.c.updated_at))
        return
    key = list(table.primary_key.columns)
    await conn.execute(select(*key).where(where).order_by(*key).with_for_update())
