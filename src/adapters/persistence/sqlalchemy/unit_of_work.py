from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.persistence.sqlalchemy.api_keys import SqlAlchemyApiKeyRepository
from adapters.persistence.sqlalchemy.busy_times import SqlAlchemyBusyTimeReader
from adapters.persistence.sqlalchemy.credentials import SqlAlchemyCredentialRepository
from adapters.persistence.sqlalchemy.engine import loop_write_group, take_turn
from adapters.persistence.sqlalchemy.errors import as_unavailable, translate_database_errors
from adapters.persistence.sqlalchemy.idempotency import SqlAlchemyIdempotencyStore
from adapters.persistence.sqlalchemy.integrations import SqlAlchemyIntegrationRepository
from adapters.persistence.sqlalchemy.loop import LoopWriteConnection
from adapters.persistence.sqlalchemy.media import SqlAlchemyMediaRepository
from adapters.persistence.sqlalchemy.oauth_states import SqlAlchemyOAuthStateRepository
from adapters.persistence.sqlalchemy.outbox import SqlAlchemyOutbox
from adapters.persistence.sqlalchemy.pg_driver import each_alone, end_transaction, is_asyncpg
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

R = TypeVar("R")


class _Repository(Generic[R]):
    """A repository over the unit's connection, made on first use in each `async with`: a
    use case touches two or three of the fifteen, and making all of them on every entry
    was a tenth of a create's CPU. Assigning one (a test's stand-in) keeps it until exit."""

    def __init__(self, make: Callable[[SqlAlchemyUnitOfWork, AsyncConnection], R]) -> None:
        self.make = make
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, uow: SqlAlchemyUnitOfWork | None, owner: type) -> R:
        if uow is None:
            raise AttributeError(self.name)
        made = uow._made
        try:
            found: R = made[self.name]
        except KeyError:
            if uow._conn is None:
                raise RuntimeError("the unit of work is used outside its `async with`") from None
            found = made[self.name] = self.make(uow, uow._conn)
        return found

    def __set__(self, uow: SqlAlchemyUnitOfWork, value: R) -> None:
        uow._made[self.name] = value


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
        snapshot anyway. On asyncpg that holds for the `PgStatement`s (pg_driver.py);
        SQLAlchemy's own statements there share a transaction, which the unit's commit
        ends. SQLite ignores it."""
        self.engine = engine
        self.cipher = cipher
        self.clock = clock
        self.statementwise = statementwise
        self._conn: AsyncConnection | None = None
        self._turn: asyncio.Semaphore | None = None
        self._made: dict[str, Any] = {}

    workspaces = _Repository(lambda _, conn: SqlAlchemyWorkspaceRepository(conn))
    api_keys = _Repository(lambda _, conn: SqlAlchemyApiKeyRepository(conn))
    integrations = _Repository(lambda _, conn: SqlAlchemyIntegrationRepository(conn))
    oauth_states = _Repository(lambda _, conn: SqlAlchemyOAuthStateRepository(conn))
    credentials = _Repository(
        lambda uow, conn: SqlAlchemyCredentialRepository(conn, uow.cipher, uow.clock)
    )
    busy_times = _Repository(lambda _, conn: SqlAlchemyBusyTimeReader(conn))
    posts = _Repository(lambda _, conn: SqlAlchemyPostRepository(conn))
    publish_queue = _Repository(lambda _, conn: SqlAlchemyPublishQueue(conn))
    idempotency = _Repository(lambda _, conn: SqlAlchemyIdempotencyStore(conn))
    queues = _Repository(lambda _, conn: SqlAlchemyQueueRepository(conn))
    media = _Repository(lambda _, conn: SqlAlchemyMediaRepository(conn))
    outbox = _Repository(lambda _, conn: SqlAlchemyOutbox(conn))
    webhook_endpoints = _Repository(
        lambda uow, conn: SqlAlchemyWebhookEndpointRepository(conn, uow.cipher)
    )
    webhook_deliveries = _Repository(lambda _, conn: SqlAlchemyDeliveryRepository(conn))
    delivery_queue = _Repository(lambda uow, conn: SqlAlchemyDeliveryQueue(conn, uow.cipher))

    async def _open(self) -> AsyncConnection:
        self._turn = await take_turn(self.engine)
        try:
            on_loop = _begin_on_loop(self.engine)
            if on_loop is not None:
                return on_loop
            conn = await self.engine.connect()
            try:
                if is_asyncpg(conn):
                    # The first statement begins the transaction: SQLAlchemy's (autobegin)
                    # or a `PgStatement`'s, in the adapter, the same one; statementwise, a
                    # `PgStatement` begins none (cheaper than switching the connection to
                    # autocommit and back).
                    each_alone(conn, self.statementwise)
                elif self.statementwise and conn.dialect.name == "postgresql":
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
            if self.statementwise and is_asyncpg(conn):
                each_alone(conn, False)
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
        self._made = {}
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
                    elif is_asyncpg(conn):
                        await end_transaction(conn, "rollback")
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
        conn = self._conn
        if isinstance(conn, LoopWriteConnection):
            await self._commit_in_group(conn)
        elif conn is not None and conn.in_transaction():
            with translate_database_errors():
                await conn.commit()
        elif conn is not None and is_asyncpg(conn):
            with translate_database_errors():
                await end_transaction(conn, "commit")

    async def _commit_in_group(self, conn: LoopWriteConnection) -> None:
        """The unit's writes join its group's COMMIT (`loop.WriteGroup`), which it waits
        for with its turn given back, so that the units behind it join the same COMMIT;
        it takes a turn again for whatever it does next."""
        with translate_database_errors():
            committed = conn.release()
        if committed is None:
            return
        self._end_turn()
        with translate_database_errors():
            await committed
        self._turn = await take_turn(self.engine)

    async def rollback(self) -> None:
        conn = self._conn
        if conn is not None and conn.in_transaction():
            with translate_database_errors():
                await conn.rollback()
        elif conn is not None and is_asyncpg(conn):
            with translate_database_errors():
                await end_transaction(conn, "rollback")


def _begin_on_loop(engine: AsyncEngine) -> AsyncConnection | None:
    """The unit's savepoint in the loop writer's group transaction (`loop.WriteGroup`), or
    None: no such writer, or another process holds the write lock (its busy timeout is
    zero: "database is locked")."""
    found = loop_write_group(engine)
    if found is None:
        return None
    writer, group = found
    if not group.enter():
        return None
    return cast(AsyncConnection, LoopWriteConnection(writer, group))
