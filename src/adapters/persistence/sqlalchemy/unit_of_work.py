from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self, cast

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.persistence.sqlalchemy.api_keys import SqlAlchemyApiKeyRepository
from adapters.persistence.sqlalchemy.busy_times import SqlAlchemyBusyTimeReader
from adapters.persistence.sqlalchemy.credentials import SqlAlchemyCredentialRepository
from adapters.persistence.sqlalchemy.engine import loop_writer, take_turn
from adapters.persistence.sqlalchemy.errors import as_unavailable, translate_database_errors
from adapters.persistence.sqlalchemy.idempotency import SqlAlchemyIdempotencyStore
from adapters.persistence.sqlalchemy.integrations import SqlAlchemyIntegrationRepository
from adapters.persistence.sqlalchemy.loop import LoopConnection
from adapters.persistence.sqlalchemy.media import SqlAlchemyMediaRepository
from adapters.persistence.sqlalchemy.oauth_states import SqlAlchemyOAuthStateRepository
from adapters.persistence.sqlalchemy.outbox import SqlAlchemyOutbox
from adapters.persistence.sqlalchemy.posts import SqlAlchemyPostRepository
from adapters.persistence.sqlalchemy.publish_queue import SqlAlchemyPublishQueue
from adapters.persistence.sqlalchemy.queues import SqlAlchemyQueueRepository
from adapters.persistence.sqlalchemy.webhook_deliveries import (
    SqlAlchemyDeliveryQueue,
    SqlAlchemyDeliveryRepository,
)
from adapters.persistence.sqlalchemy.webhook_endpoints import SqlAlchemyWebhookEndpointRepository
from adapters.persistence.sqlalchemy.workspaces import SqlAlchemyWorkspaceRepository
from application.errors import DatabaseUnavailable
from application.ports.clock import Clock
from application.ports.token_cipher import TokenCipher
from application.ports.unit_of_work import UnitOfWork


class SqlAlchemyUnitOfWork(UnitOfWork):
    """One connection per `async with`; whatever is not committed is rolled back.

    `commit()` and `rollback()` end the current transaction and the unit stays usable: the
    next statement starts a new one. It may be entered again after it exits.

    On a SQLite file the unit runs on the event loop (`engine.loop_writer`) whenever its
    BEGIN IMMEDIATE gets the write lock at once, and on the engine's own connection (its
    thread waits for the lock) when another process holds it."""

    def __init__(
        self, engine: AsyncEngine, cipher: TokenCipher, clock: Clock, *, statementwise: bool = False
    ) -> None:
        """`statementwise`: on PostgreSQL every statement commits on its own (autocommit: no
        BEGIN and COMMIT round trips), for units each of whose statements stands alone and
        that commit after their last; under READ COMMITTED each statement takes its own
        snapshot anyway. SQLite ignores it."""
        self.engine = engine
        self.cipher = cipher
        self.clock = clock
        self.statementwise = statementwise
        self._conn: AsyncConnection | None = None
        self._turn: asyncio.Semaphore | None = None

    async def _open(self) -> AsyncConnection:
        self._turn = await take_turn(self.engine)
        try:
            on_loop = _begin_on_loop(self.engine)
            if on_loop is not None:
                return on_loop
            conn = await self.engine.connect()
            try:
                if self.statementwise and conn.dialect.name == "postgresql":
                    await conn.execution_options(isolation_level="AUTOCOMMIT")
                else:
                    await conn.begin()
            except BaseException:
                await conn.close()
                raise
        except BaseException:
            self._end_turn()
            raise
        return conn

    async def _close(self, conn: AsyncConnection) -> None:
        try:
            await conn.close()
        finally:
            self._end_turn()

    def _end_turn(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None:
            turn.release()

    async def __aenter__(self) -> Self:
        with translate_database_errors(connecting=True):
            conn = await self._open()
        self._conn = conn
        self.workspaces = SqlAlchemyWorkspaceRepository(conn)
        self.api_keys = SqlAlchemyApiKeyRepository(conn)
        self.integrations = SqlAlchemyIntegrationRepository(conn)
        self.oauth_states = SqlAlchemyOAuthStateRepository(conn)
        self.credentials = SqlAlchemyCredentialRepository(conn, self.cipher, self.clock)
        self.busy_times = SqlAlchemyBusyTimeReader(conn)
        self.posts = SqlAlchemyPostRepository(conn)
        self.publish_queue = SqlAlchemyPublishQueue(conn)
        self.idempotency = SqlAlchemyIdempotencyStore(conn)
        self.queues = SqlAlchemyQueueRepository(conn)
        self.media = SqlAlchemyMediaRepository(conn)
        self.outbox = SqlAlchemyOutbox(conn)
        self.webhook_endpoints = SqlAlchemyWebhookEndpointRepository(conn, self.cipher)
        self.webhook_deliveries = SqlAlchemyDeliveryRepository(conn)
        self.delivery_queue = SqlAlchemyDeliveryQueue(conn, self.cipher)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            with translate_database_errors():
                try:
                    if conn.in_transaction():
                        await conn.rollback()
                finally:
                    await self._close(conn)
        except DatabaseUnavailable:
            if exc is None:
                raise
            # The error that ended the block says more than the cleanup that followed it.
        unavailable = as_unavailable(exc) if exc is not None else None
        if unavailable is not None and unavailable is not exc:
            # A statement inside the block lost the database: the edge answers 503.
            raise unavailable from exc

    async def commit(self) -> None:
        # The connection's current transaction, not the one begun on entry: after a commit
        # or rollback the next statement begins anew, and its writes must commit too.
        if self._conn is not None and self._conn.in_transaction():
            with translate_database_errors():
                await self._conn.commit()

    async def rollback(self) -> None:
        if self._conn is not None and self._conn.in_transaction():
            with translate_database_errors():
                await self._conn.rollback()


def _begin_on_loop(engine: AsyncEngine) -> AsyncConnection | None:
    """A transaction begun on the loop's writer, or None: no such writer, or another
    process holds the write lock (its busy timeout is zero: "database is locked")."""
    writer = loop_writer(engine)
    if writer is None:
        return None
    try:
        conn = writer.connect()
    except OperationalError:
        return None
    try:
        conn.begin()
    except OperationalError:
        conn.close()
        return None
    except BaseException:
        conn.close()
        raise
    return cast(AsyncConnection, LoopConnection(conn))
