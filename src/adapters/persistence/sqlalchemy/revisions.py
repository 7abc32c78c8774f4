"""`IntegrationRevisions` on SQLite and PostgreSQL: `workspaces.integrations_rev`, which a
trigger moves on at every write to the workspace's integrations (migration 0002). And
`SlotRevisions`: the sum of an integration's rows in `slot_revisions` (migration 0010).

This read is on the hot path of every listing, so it skips SQLAlchemy's execution layer
and asks the driver directly: on a SQLite file, the read-only `sqlite3` connection on the
event loop (microseconds); on PostgreSQL, a pooled connection's asyncpg handle, one
prepared statement, one round trip, with concurrent reads of one workspace coalesced
(`adapters.coalesce`: a pool checkout and a round trip cost more than all the rest of a
listing, and under load one read answers many requests); on an in-memory SQLite database
(tests), the engine.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, func, select

from adapters.coalesce import CoalescedReads
from adapters.persistence.sqlalchemy.engine import take_turn
from adapters.persistence.sqlalchemy.errors import translate_database_errors
from adapters.persistence.sqlalchemy.reads import ReadConnections
from adapters.persistence.sqlalchemy.tables import post_revisions, slot_revisions, workspaces
from application.ports.revisions import IntegrationRevisions, PostRevisions, SlotRevisions


class SqlAlchemyIntegrationRevisions(IntegrationRevisions):
    _SQLITE = "SELECT integrations_rev FROM workspaces WHERE id = ?"
    _POSTGRES = "SELECT integrations_rev FROM workspaces WHERE id = $1"
    _ANY: Any = select(workspaces.c.integrations_rev).where(
        workspaces.c.id == bindparam("workspace_id")
    )

    def __init__(self, reads: ReadConnections) -> None:
        self.reads = reads
        self._sqlite: Any = None  # the loop's sqlite3.Connection, once asked for
        self._postgres = reads.engine.dialect.name == "postgresql"
        self._coalesced = CoalescedReads(self._on_postgres)

    async def of_workspace(self, workspace_id: UUID) -> int:
        with translate_database_errors():
            if self.reads.on_loop is not None:
                return self._on_loop(workspace_id)
            if self._postgres:
                return await self._coalesced.get(workspace_id)
            return await self._on_engine(workspace_id)

    def _on_loop(self, workspace_id: UUID) -> int:
        if self._sqlite is None:
            self._sqlite = self.reads.loop_driver_connection()
        row = self._sqlite.execute(self._SQLITE, (workspace_id.hex,)).fetchone()
        return int(row[0]) if row else 0

    async def _on_postgres(self, workspace_id: UUID) -> int:
        turn = await take_turn(self.reads.engine)
        try:
            with translate_database_errors(connecting=True):
                conn = await self.reads.engine.connect()
            try:
                raw = await conn.get_raw_connection()
                value = await raw.driver_connection.fetchval(self._POSTGRES, workspace_id)  # type: ignore[union-attr]
            finally:
                await conn.close()
        finally:
            if turn is not None:
                turn.release()
        return int(value or 0)

    async def _on_engine(self, workspace_id: UUID) -> int:
        async with self.reads.engine.connect() as conn:
            value = await conn.scalar(self._ANY, {"workspace_id": workspace_id})
        return int(value or 0)


_SLOTS_SQLITE = "SELECT coalesce(sum(rev), 0) FROM slot_revisions WHERE integration_id = ?"
_SLOTS_POSTGRES = (
    "SELECT coalesce(sum(rev), 0)::bigint FROM slot_revisions WHERE integration_id = $1"
)
_SLOTS_ANY = select(func.coalesce(func.sum(slot_revisions.c.rev), 0)).where(
    slot_revisions.c.integration_id == bindparam("integration_id")
)


class SqlAlchemySlotRevisions(SlotRevisions):
    """Read like the integrations' revision above: straight from the driver, coalesced on
    PostgreSQL."""

    def __init__(self, reads: ReadConnections) -> None:
        self.reads = reads
        self._sqlite: Any = None
        self._postgres = reads.engine.dialect.name == "postgresql"
        self._coalesced = CoalescedReads(self._on_postgres)

    async def of_integration(self, integration_id: UUID) -> int:
        sqlite = self._sqlite
        if sqlite is not None:
            # Every next-slot request comes here first: no context manager around the
            # driver's call, which had nothing to translate (a `sqlite3` error is neither
            # SQLAlchemy's nor an `OSError`, and passes as it is either way).
            return int(sqlite.execute(_SLOTS_SQLITE, (integration_id.hex,)).fetchone()[0])
        with translate_database_errors():
            if self.reads.on_loop is not None:
                self._sqlite = self.reads.loop_driver_connection()
                row = self._sqlite.execute(_SLOTS_SQLITE, (integration_id.hex,)).fetchone()
                return int(row[0])
            if self._postgres:
                return await self._coalesced.get(integration_id)
            async with self.reads.engine.connect() as conn:
                value = await conn.scalar(_SLOTS_ANY, {"integration_id": integration_id})
            return int(value or 0)

    async def _on_postgres(self, integration_id: UUID) -> int:
        turn = await take_turn(self.reads.engine)
        try:
            with translate_database_errors(connecting=True):
                conn = await self.reads.engine.connect()
            try:
                raw = await conn.get_raw_connection()
                driver = raw.driver_connection
                value = await driver.fetchval(_SLOTS_POSTGRES, integration_id)  # type: ignore[union-attr]
            finally:
                await conn.close()
        finally:
            if turn is not None:
                turn.release()
        return int(value)


class SqlAlchemyPostRevisions(SqlAlchemyIntegrationRevisions, PostRevisions):
    """`PostRevisions`: the sum of the workspace's rows in `post_revisions`, which triggers
    move on at every write to its posts and targets (migration 0011); read the same ways."""

    _SQLITE = "SELECT coalesce(sum(rev), 0) FROM post_revisions WHERE workspace_id = ?"
    _POSTGRES = "SELECT coalesce(sum(rev), 0)::bigint FROM post_revisions WHERE workspace_id = $1"
    _ANY = select(func.coalesce(func.sum(post_revisions.c.rev), 0)).where(
        post_revisions.c.workspace_id == bindparam("workspace_id")
    )
