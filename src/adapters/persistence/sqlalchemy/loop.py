"""A synchronous SQLAlchemy connection behind the few `AsyncConnection` methods that the
unit of work and the repositories call; every call completes without yielding to the
event loop. SQLite's reads (`reads.py`) use one, and, when the write lock is free at once,
its writes (`unit_of_work.py`) use a `LoopWriteConnection`."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from sqlalchemy import Connection, Dialect, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from adapters.persistence.sqlalchemy.driver import Driver


class LoopConnection:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._driver: Driver | None = None

    @property
    def driver(self) -> Driver:
        """The `sqlite3` connection underneath, for the statements that run on it directly
        (`driver.DriverStatement`), in this connection's transaction."""
        if self._driver is None:
            driver = self._conn.connection.driver_connection
            if driver is None:
                raise RuntimeError("the connection is closed")
            self._driver = Driver(driver, self._conn.info)
        return self._driver

    @property
    def dialect(self) -> Dialect:
        return self._conn.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        return self._conn.execute(statement, parameters)

    async def scalar(self, statement: Any, parameters: Any = None) -> Any:
        return self._conn.scalar(statement, parameters)

    @asynccontextmanager
    async def begin_nested(self) -> AsyncIterator[None]:
        with self._conn.begin_nested():
            yield

    def in_transaction(self) -> bool:
        return self._conn.in_transaction()

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()


class WriteGroup:
    """Group commit for the units on the loop's writer: units that run while a COMMIT is
    pending share it.

    The first unit begins the group's transaction (BEGIN IMMEDIATE); each unit after it
    runs in a SAVEPOINT of it. A unit that commits releases its savepoint and waits: the group's one
    COMMIT runs at the event loop's next turn, once no unit is inside the transaction, and
    only then do the waiting units return from `commit()` (an answer never precedes its
    COMMIT). A unit that rolls back, or fails, rolls back to its savepoint: the others'
    writes stay. A failed COMMIT fails every unit waiting on it. Only one unit is inside
    the transaction at a time (the holder of the engine's turn, `take_turn`).

    What it saves: SQLite writes each changed page to the WAL once per COMMIT, with a
    checksum over it, and concurrent creates change the same pages (the tables' and
    indexes' last leaves, the revision rows): the COMMIT was a third of a create's CPU."""

    _SAVEPOINT = "SAVEPOINT openpost_unit"
    _RELEASE = "RELEASE openpost_unit"
    _UNDO = "ROLLBACK TO openpost_unit"

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self.open = False  # the group's transaction is begun
        self.inside = False  # a unit is inside the transaction
        self.saved = False  # ... in a savepoint (it joined others' writes)
        self.waiting: list[asyncio.Future[None]] = []
        self.scheduled = False

    def enter(self) -> bool:
        """The caller inside the group's transaction: the first begins it, and needs no
        savepoint (nothing but its own writes is in it); the others each open one. False
        when BEGIN IMMEDIATE fails at once (another process holds the write lock)."""
        connection = self.driver.connection
        if self.open:
            _on_driver(connection.execute, self._SAVEPOINT)
            self.saved = True
        else:
            try:
                connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return False
            self.open = True
            self.saved = False
        self.inside = True
        return True

    def release(self) -> asyncio.Future[None]:
        """The caller's writes into the group's transaction; the future is done once they
        are committed."""
        if self.saved:
            _on_driver(self.driver.connection.execute, self._RELEASE)
        self.inside = False
        done = asyncio.get_running_loop().create_future()
        self.waiting.append(done)
        self._schedule()
        return done

    def undo(self) -> None:
        """The caller's writes rolled back; the others' stay."""
        self.inside = False
        connection = self.driver.connection
        if not self.saved or not self.waiting:  # it began the transaction: only its writes
            self.open = False
            if self.waiting:  # never so; were it, their writes could not be told apart
                self._fail_all()
            else:
                _on_driver(connection.rollback)
            return
        try:
            _on_driver(connection.execute, self._UNDO)
            _on_driver(connection.execute, self._RELEASE)
        except BaseException:
            self._fail_all()
            raise
        self._schedule()

    def _schedule(self) -> None:
        if not self.scheduled:
            self.scheduled = True
            asyncio.get_running_loop().call_soon(self._commit)

    def _commit(self) -> None:
        self.scheduled = False
        if self.inside or not self.open:
            return  # the unit inside schedules it again when it leaves
        waiting, self.waiting = self.waiting, []
        self.open = False
        try:
            _on_driver(self.driver.connection.commit)
        except BaseException as error:
            _rollback_quietly(self.driver.connection)
            for done in waiting:
                if not done.done():
                    done.set_exception(error)
            return
        for done in waiting:
            if not done.done():
                done.set_result(None)

    def _fail_all(self) -> None:
        """The transaction is in an unknown state: rolled back, and every waiting unit
        told its writes were not committed."""
        waiting, self.waiting = self.waiting, []
        self.open = self.inside = False
        _rollback_quietly(self.driver.connection)
        error = RuntimeError("the group's transaction was rolled back")
        for done in waiting:
            if not done.done():
                done.set_exception(error)


def _rollback_quietly(connection: sqlite3.Connection) -> None:
    with suppress(sqlite3.Error):
        connection.rollback()


class LoopWriteConnection(LoopConnection):
    """A unit's savepoint in its `WriteGroup`'s transaction on the loop's writer
    (`engine.loop_writer`), entered by the caller.

    `commit()` releases the savepoint and hands back the future of the group's COMMIT (see
    `SqlAlchemyUnitOfWork.commit`); `rollback()` rolls back to it; a statement after
    either enters the group again. A SQLAlchemy connection (the same `sqlite3`
    connection, from the writer's one-connection pool, in autocommit: SQLAlchemy itself
    never begins, commits or rolls back there) is checked out only for a statement that
    does not run on the driver."""

    def __init__(self, writer: Engine, group: WriteGroup) -> None:
        self._writer = writer
        self._group = group
        self._open: Connection | None = None
        self._inside = True  # entered by the caller

    def _sa(self) -> Connection:
        self._enter()
        if self._open is None:
            conn = self._writer.connect()
            if conn.connection.driver_connection is not self._group.driver.connection:
                conn.close()
                raise RuntimeError("the loop's writer changed connection mid-transaction")
            self._open = conn
        return self._open

    def _enter(self) -> None:
        if not self._inside:
            if not self._group.enter():
                raise OperationalError(
                    "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
                )
            self._inside = True

    @property
    def driver(self) -> Driver:
        self._enter()
        return self._group.driver

    @property
    def dialect(self) -> Dialect:
        return self._writer.dialect

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        return self._sa().execute(statement, parameters)

    async def scalar(self, statement: Any, parameters: Any = None) -> Any:
        return self._sa().scalar(statement, parameters)

    @asynccontextmanager
    async def begin_nested(self) -> AsyncIterator[None]:
        with self._sa().begin_nested():
            yield

    def in_transaction(self) -> bool:
        return self._inside

    def release(self) -> asyncio.Future[None] | None:
        """The unit's writes into the group; the future of their COMMIT (None: the unit
        was not inside the transaction, nothing to commit)."""
        if not self._inside:
            return None
        self._inside = False
        self._close_sa()
        return self._group.release()

    async def commit(self) -> None:
        committed = self.release()
        if committed is not None:
            await committed

    async def rollback(self) -> None:
        if self._inside:
            self._inside = False
            self._close_sa()
            self._group.undo()

    def _close_sa(self) -> None:
        if self._open is not None:
            conn, self._open = self._open, None
            conn.close()

    async def close(self) -> None:
        await self.rollback()


def _on_driver(call: Any, sql: str | None = None) -> None:
    """A transaction's BEGIN, COMMIT or ROLLBACK; a driver error comes back as SQLAlchemy's."""
    try:
        call() if sql is None else call(sql)
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, None, error, sqlite3.Error) from error


def driver_of(conn: object) -> Driver | None:
    """The driver of a connection on the loop; None for any other connection."""
    return conn.driver if isinstance(conn, LoopConnection) else None
