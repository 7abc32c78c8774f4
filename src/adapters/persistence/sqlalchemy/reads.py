"""Read-only units of work: the same repositories over a connection that holds no
transaction.

PostgreSQL: a pooled connection in autocommit, so a read is one round trip (no BEGIN, no
ROLLBACK around it). Under READ COMMITTED every statement takes its own snapshot anyway.

SQLite (a database file): a dedicated connection of the standard `sqlite3` driver, used
synchronously on the event loop. A read here is a handful of rows found through an index
and takes tens of microseconds, less than one hand-off to aiosqlite's thread, of which an
async statement costs several. In WAL mode a reader never waits for a writer, and this
connection is `query_only`: it cannot write. The writes stay on the aiosqlite engine.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import StaticPool

from adapters.persistence.sqlalchemy.engine import statement_timeout_of, take_turn
from adapters.persistence.sqlalchemy.loop import LoopConnection
from adapters.persistence.sqlalchemy.sqlite import bound_statements
from adapters.persistence.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from application.ports.clock import Clock
from application.ports.token_cipher import TokenCipher
from application.ports.unit_of_work import ReadOnlyUnitOfWork

# A reader waits for a lock only in rare moments (another process recovering the WAL);
# it must not hold the event loop long then.
LOOP_READ_BUSY_TIMEOUT_MS = 200


class ReadConnections:
    """Where read-only units of work get their connection, for the engine's database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.on_loop = _sqlite_file_engine(engine)

    async def open(self) -> AsyncConnection:
        """A connection from the engine's pool, or the one on the loop; the caller has
        taken its turn at the pool when `uses_pool`."""
        if self.on_loop is not None:
            return cast(AsyncConnection, LoopConnection(self.on_loop.connect()))
        conn = await self.engine.connect()
        try:
            if conn.dialect.name == "sqlite":  # an in-memory database: one connection
                await conn.begin()
            else:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
        except BaseException:
            await conn.close()
            raise
        return conn

    def loop_driver_connection(self) -> Any:
        """The `sqlite3.Connection` under the loop's connection, for a caller that asks the
        driver directly. It is the pool's only connection, used and returned synchronously
        on the loop, so no two users ever interleave on it."""
        if self.on_loop is None:
            raise RuntimeError("no connection on the loop for this database")
        return self.on_loop.raw_connection().driver_connection

    @property
    def uses_pool(self) -> bool:
        return self.on_loop is None

    def dispose(self) -> None:
        if self.on_loop is not None:
            self.on_loop.dispose()


class SqlAlchemyReadUnitOfWork(SqlAlchemyUnitOfWork, ReadOnlyUnitOfWork):
    def __init__(self, reads: ReadConnections, cipher: TokenCipher, clock: Clock) -> None:
        super().__init__(reads.engine, cipher, clock)
        self.reads = reads

    async def _open(self) -> AsyncConnection:
        if not self.reads.uses_pool:
            return await self.reads.open()
        self._turn = await take_turn(self.engine)
        try:
            return await self.reads.open()
        except BaseException:
            self._end_turn()
            raise

    async def commit(self) -> None:
        raise RuntimeError("a read-only unit of work cannot commit")


def _sqlite_file_engine(engine: AsyncEngine) -> Engine | None:
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    on_loop = create_sync_engine(
        make_url(url).set(drivername="sqlite+pysqlite"),
        poolclass=StaticPool,
        connect_args={"check_same_thread": False},
    )

    @event.listens_for(on_loop, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # no implicit BEGIN: each read stands alone
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    bound_statements(
        on_loop,
        statement_timeout_s=statement_timeout_of(engine),
        lock_timeout_s=LOOP_READ_BUSY_TIMEOUT_MS / 1000,
        is_async=False,
    )
    return on_loop
