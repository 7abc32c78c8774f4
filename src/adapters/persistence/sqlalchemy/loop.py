"""A synchronous SQLAlchemy connection behind the few `AsyncConnection` methods that the
unit of work and the repositories call; every call completes without yielding to the
event loop. SQLite's reads (`reads.py`) and, when the write lock is free at once, its
writes (`unit_of_work.py`) use one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Connection, Dialect

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


def driver_of(conn: object) -> Driver | None:
    """The driver of a connection on the loop; None for any other connection."""
    return conn.driver if isinstance(conn, LoopConnection) else None
