"""A synchronous SQLAlchemy connection behind the few `AsyncConnection` methods that the
unit of work and the repositories call; every call completes without yielding to the
event loop. SQLite's reads (`reads.py`) use one, and, when the write lock is free at once,
its writes (`unit_of_work.py`) use a `LoopWriteConnection`."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Connection, Dialect, Engine
from sqlalchemy.exc import DBAPIError

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


class LoopWriteConnection(LoopConnection):
    """A write transaction on the loop's writer (`engine.loop_writer`), begun by the caller
    with `BEGIN IMMEDIATE` on its driver.

    The transaction is the driver's: COMMIT and ROLLBACK go to the `sqlite3` connection,
    and a statement after either begins a new one (BEGIN IMMEDIATE), as SQLAlchemy's
    autobegin did. A SQLAlchemy connection (whose own BEGIN is only SQLAlchemy's
    bookkeeping: the writer engine emits none) is checked out of the writer's one-connection
    pool only for a statement that does not run on the driver; it is the same `sqlite3`
    connection, so its statements run in the same transaction. Opening and closing it cost
    more than a create's statements on the driver."""

    def __init__(self, writer: Engine, driver: Driver) -> None:
        self._writer = writer
        self._open: Connection | None = None
        self._began = driver

    def _sa(self) -> Connection:
        self._begin()
        if self._open is None:
            conn = self._writer.connect()
            if conn.connection.driver_connection is not self._began.connection:
                conn.close()
                raise RuntimeError("the loop's writer changed connection mid-transaction")
            self._open = conn
        return self._open

    def _begin(self) -> None:
        connection = self._began.connection
        if not connection.in_transaction:
            _on_driver(connection.execute, "BEGIN IMMEDIATE")

    @property
    def driver(self) -> Driver:
        self._begin()
        return self._began

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
        return self._began.connection.in_transaction

    async def commit(self) -> None:
        _on_driver(self._began.connection.commit)
        self._settle()

    async def rollback(self) -> None:
        _on_driver(self._began.connection.rollback)
        self._settle()

    def _settle(self) -> None:
        """SQLAlchemy's bookkeeping after the driver ended the transaction (its own COMMIT
        or ROLLBACK finds none to end)."""
        if self._open is not None and self._open.in_transaction():
            self._open.rollback()

    async def close(self) -> None:
        try:
            if self._began.connection.in_transaction:
                _on_driver(self._began.connection.rollback)
        finally:
            if self._open is not None:
                self._open.close()
                self._open = None


def _on_driver(call: Any, sql: str | None = None) -> None:
    """A transaction's BEGIN, COMMIT or ROLLBACK; a driver error comes back as SQLAlchemy's."""
    try:
        call() if sql is None else call(sql)
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, None, error, sqlite3.Error) from error


def driver_of(conn: object) -> Driver | None:
    """The driver of a connection on the loop; None for any other connection."""
    return conn.driver if isinstance(conn, LoopConnection) else None
