"""Writes a group of thread parts' progress on SQLite: on the event loop when the write
lock is free at once (`engine.loop_writer`, as the unit of work does), otherwise in one
trip to the driver's thread.

Through the unit of work, a group of parts costs seven hand-offs between the event loop
and aiosqlite's thread (BEGIN IMMEDIATE, the UPDATE and each of their cursors, COMMIT,
the pool's reset), and each hand-off waits for the loop to come round, which it does
slowly while a wave of a hundred threads' answers is being read: the parts' records waited
12-19 ms at p50 for a write of about 2 ms. Here the whole transaction (BEGIN IMMEDIATE,
each row's conditional UPDATE, COMMIT) runs as one call on aiosqlite's thread; once it has
committed the callers go on, while the connection goes back to the pool (its reset, the
second hand-off, which no caller waits for; the next user of the connection does, through
the engine's turn). Better still, when the loop's own writer gets the lock (its busy
timeout is zero: it never waits on the loop), the transaction runs right there, with no
hand-off at all: a wave of parts' answers no longer waits for aiosqlite's thread to be
heard back from while the loop reads the rest of the wave. It commits at once rather than
joining the loop writer's group commit (`loop.WriteGroup`), which would make every part
wait a loop turn for its COMMIT while the thread's next part waits on it: tried, the p99
thread went from 291-303 to 297-343 ms in alternating runs. While a group's COMMIT is
pending the loop writer's transaction is open, so the parts then go to the thread, which
waits that one turn.

The statement is `SqlAlchemyPostRepository.write_parts`' own, compiled once with named
parameters and the columns' own bind processing, so both paths write the same values. A
row that does not apply (the lease ran out, the target failed) is left for the caller
(`RecordOutcomes`) to record through the target itself."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.persistence.sqlalchemy.engine import loop_writer, take_turn
from adapters.persistence.sqlalchemy.errors import translate_database_errors
from adapters.persistence.sqlalchemy.posts import part_params, write_parts_statement
from application.ports.posts import PartProgress, PartWriter

log = logging.getLogger("openpost.publisher")


class SqlitePartWriter(PartWriter):
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._closing: set[asyncio.Task[None]] = set()
        dialect = SQLiteDialect_pysqlite(paramstyle="named")
        compiled = write_parts_statement("sqlite").compile(dialect=dialect)
        self._sql = str(compiled)
        self._compiled = compiled
        self._process: dict[str, Callable[[Any], Any]] = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.bind_processor(dialect)
            if processor is not None:
                self._process[name] = processor

    async def write_parts(self, progress: Sequence[PartProgress]) -> set[UUID]:
        if not progress:
            return set()
        rows = [self._row(part_params(step)) for step in progress]
        turn = await take_turn(self.engine)
        try:
            with translate_database_errors():
                on_loop = self._write_on_loop(rows)
                if on_loop is not None:
                    if turn is not None:
                        turn.release()
                    return _applied(progress, on_loop)
                conn = await self.engine.connect()
                try:
                    applied = await _in_driver_thread(conn, lambda db: self._write(db, rows))
                except BaseException:
                    await conn.close()
                    raise
        except BaseException:
            if turn is not None:
                turn.release()
            raise
        # Committed: the callers go on now, and the connection goes back to the pool (its
        # reset, one more hand-off) meanwhile; the turn is held until it is back.
        task = asyncio.get_running_loop().create_task(_give_back(conn, turn))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
        return _applied(progress, applied)

    def _write_on_loop(self, rows: list[dict[str, Any]]) -> list[bool] | None:
        """The transaction on the loop's writer, or None when there is no such writer or
        another process holds the write lock (BEGIN IMMEDIATE fails at once)."""
        writer = loop_writer(self.engine)
        if writer is None:
            return None
        with writer.connect() as conn:
            db: Any = conn.connection.driver_connection
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return None
            try:
                return self._write(db, rows, begun=True)
            except sqlite3.Error as error:
                raise DBAPIError.instance(None, None, error, sqlite3.Error) from error

    def _row(self, params: dict[str, Any]) -> dict[str, Any]:
        row = dict(self._compiled.construct_params(params))
        for name, process in self._process.items():
            if name in row:
                row[name] = process(row[name])
        return row

    def _write(
        self, db: sqlite3.Connection, rows: list[dict[str, Any]], begun: bool = False
    ) -> list[bool]:
        """One transaction (`begun`: already), each row's UPDATE counted on its own."""
        if not begun:
            db.execute("BEGIN IMMEDIATE")
        try:
            applied = [db.execute(self._sql, row).rowcount == 1 for row in rows]
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return applied


def _applied(progress: Sequence[PartProgress], applied: list[bool]) -> set[UUID]:
    return {step.target_id for step, done in zip(progress, applied, strict=True) if done}


async def _in_driver_thread(
    conn: AsyncConnection, work: Callable[[sqlite3.Connection], list[bool]]
) -> list[bool]:
    """Runs `work` with the sqlite3 connection on aiosqlite's own thread, in one hand-off
    (`Connection._execute` is how each of aiosqlite's public calls runs; SQLAlchemy's own
    adapter queues work on that thread the same way). A driver error comes back as
    SQLAlchemy's, as from any statement, so the unit of work's translation applies."""
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    try:
        result: list[bool] = await driver._execute(work, driver._conn)
    except sqlite3.Error as error:
        raise DBAPIError.instance(None, None, error, sqlite3.Error) from error
    return result


async def _give_back(conn: AsyncConnection, turn: asyncio.Semaphore | None) -> None:
    """Returns the connection to the pool, then the turn. A failure here comes after the
    commit: nothing is lost, the pool drops the connection, and it is logged."""
    try:
        await conn.close()
    except Exception:
        log.warning("returning the database connection after writing parts failed", exc_info=True)
    finally:
        if turn is not None:
            turn.release()
