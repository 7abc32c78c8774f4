"""Engines for the embedded default (SQLite) and the scale-out store (PostgreSQL)."""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from adapters.persistence.sqlalchemy.driver import Driver
from adapters.persistence.sqlalchemy.loop import WriteGroup
from adapters.persistence.sqlalchemy.sqlite import bound_statements, own_database_file

CONNECT_TIMEOUT_S = 10
STATEMENT_TIMEOUT_S = 30.0
LOCK_TIMEOUT_S = 10.0
POOL_TIMEOUT_S = 10.0
PING_AFTER_IDLE_S = 2.0
_IDLE_SINCE = "openpost_idle_since"

# PostgreSQL: the revision stripes a connection can own (0 to 255, migration 0013), and the
# class of the advisory locks that say which are owned (20304, "OP").
STRIPES = 256
STRIPE_LOCK_CLASS = 20304
_TAKE_STRIPE = """
    SELECT set_config('openpost.stripe', k::text, false)
    FROM (SELECT k FROM generate_series(0, 255) AS k
          WHERE pg_try_advisory_lock(20304, k) LIMIT 1) AS free
"""


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    statement_timeout_s: float = STATEMENT_TIMEOUT_S,
    lock_timeout_s: float = LOCK_TIMEOUT_S,
) -> AsyncEngine:
    """SQLite gets a file only its owner reads, WAL, immediate transactions and one pooled
    connection per process (it has one writer anyway, and one connection avoids lock
    upgrades between our own connections);
    PostgreSQL gets a real pool that pings a connection which sat idle, so a restarted
    server is survived.

    On both, a statement runs at most `statement_timeout_s` and waits at most
    `lock_timeout_s` for a lock, then fails (503 `database_unavailable` at the edge): a
    stuck query never holds a connection for good."""
    if is_sqlite(url):
        own_database_file(url)
        engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=30.0)
        _configure_sqlite(engine.sync_engine)
        bound_statements(
            engine.sync_engine,
            statement_timeout_s=statement_timeout_s,
            lock_timeout_s=lock_timeout_s,
            is_async=True,
        )
        _TURNS[engine.sync_engine] = (asyncio.Semaphore(1), 30.0)
        _STATEMENT_TIMEOUTS[engine.sync_engine] = statement_timeout_s
        writer = _loop_writer(url, statement_timeout_s)
        if writer is not None:
            _LOOP_WRITERS[engine.sync_engine] = writer
        return engine
    engine = create_async_engine(
        url,
        pool_size=2 * pool_size,
        max_overflow=0,
        # The connection used last goes out first: a worker's few busy units keep to a few
        # connections, each with its statements already prepared, rather than going
        # round all of them (the rest sit idle and are pinged when next used).
        pool_use_lifo=True,
        pool_timeout=POOL_TIMEOUT_S,
        connect_args={
            # A server that accepts but never answers fails the connect in 10 s, not 60.
            "timeout": CONNECT_TIMEOUT_S,
            "server_settings": {
                "statement_timeout": str(max(1, round(statement_timeout_s * 1000))),
                "lock_timeout": str(max(1, round(lock_timeout_s * 1000))),
            },
        },
    )
    _ping_when_idle(engine)
    _own_a_stripe(engine)
    _TURNS[engine.sync_engine] = (asyncio.Semaphore(2 * pool_size), POOL_TIMEOUT_S)
    _STATEMENT_TIMEOUTS[engine.sync_engine] = statement_timeout_s
    return engine


_STATEMENT_TIMEOUTS: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()


def statement_timeout_of(engine: AsyncEngine) -> float:
    """The bound `create_engine` gave this engine's statements (the default for another)."""
    return _STATEMENT_TIMEOUTS.get(engine.sync_engine, STATEMENT_TIMEOUT_S)


# One queue per engine, as large as its pool can lend (see `take_turn`).
_TURNS: weakref.WeakKeyDictionary[Engine, tuple[asyncio.Semaphore, float]] = (
    weakref.WeakKeyDictionary()
)


async def take_turn(engine: AsyncEngine) -> asyncio.Semaphore | None:
    """Waits, first come first served, until the engine's pool can lend a connection; give
    the turn back with `.release()` once the connection is closed. SQLAlchemy's async pool
    hands a returned connection to whoever asks next rather than to the longest waiter, so
    under load some requests starved for seconds; an asyncio semaphore wakes its waiters in
    order. None for an engine not made here (nothing to wait for).

    The wait is bounded with `asyncio.timeout`, not `wait_for`: on Python 3.11 `wait_for`
    runs the wait in a task of its own, made and scheduled for every unit that waits."""
    found = _TURNS.get(engine.sync_engine)
    if found is None:
        return None
    turns, timeout_s = found
    if turns.locked():
        try:
            async with asyncio.timeout(timeout_s):
                await turns.acquire()
        except TimeoutError:
            raise PoolTimeout("no database connection came free in time") from None
    else:
        await turns.acquire()
    return turns


def _ping_when_idle(engine: AsyncEngine) -> None:
    """SQLAlchemy's `pool_pre_ping` pings at every checkout, and on asyncpg a ping is three
    round trips (BEGIN, a statement, ROLLBACK): more than a read itself. A connection back
    in use within `PING_AFTER_IDLE_S` goes unpinged; if the server died in that moment,
    the statement fails, the edge answers 503 and SQLAlchemy drops the whole pool, as a
    failed ping would have."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)  # absent on a fresh connection
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            sync_engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # Reconnects, and drops every connection older than this one.
            raise InvalidatePoolError() from error


def _own_a_stripe(engine: AsyncEngine) -> None:
    """Each new connection takes a revision stripe (0 to 255) that no other live connection
    to the database holds: a session advisory lock, which PostgreSQL releases when the
    session ends, says it is taken, and the setting `openpost.stripe` tells the revision
    triggers (migration 0013) which row of `slot_revisions` / `post_revisions` is this
    connection's. Two transactions then never write the same revision row, so they never
    wait on each other there, and cannot deadlock there whatever order they write
    integrations or workspaces in. With every stripe taken the setting stays unset and
    the triggers fall back to a stripe by server process id (256 and up).

    Runs on the driver's connection outside any transaction, so the setting is the
    session's: SQLAlchemy's reset on return to the pool is a ROLLBACK, which keeps it."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.run_async(lambda driver: driver.execute(_TAKE_STRIPE))


# SQLite file engines: a second connection, of the standard `sqlite3` driver, for write
# transactions on the event loop (see `loop_writer`).
_LOOP_WRITERS: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def loop_writer(engine: AsyncEngine) -> Engine | None:
    """For a SQLite database file: an engine of one connection used synchronously on the
    event loop, for a write transaction begun while the write lock is free. Its busy
    timeout is zero, so `BEGIN IMMEDIATE` fails at once rather than holding the loop when
    another process writes: the caller then uses `engine` itself, whose thread waits.

    Once BEGIN IMMEDIATE holds the write lock, no other connection can make a statement of
    the transaction wait (in WAL mode readers never block a writer), so every statement
    takes what SQLite takes to run it: tens of microseconds for a create, where each
    statement on aiosqlite costs several hand-offs to its thread and back. Only the caller
    holding the engine's turn (`take_turn`) may use it. None for other engines."""
    return _LOOP_WRITERS.get(engine.sync_engine)


_LOOP_GROUPS: weakref.WeakKeyDictionary[Engine, WriteGroup] = weakref.WeakKeyDictionary()


def loop_write_group(engine: AsyncEngine) -> tuple[Engine, WriteGroup] | None:
    """The loop's writer (`loop_writer`) and the group commit over its one `sqlite3`
    connection (`loop.WriteGroup`), in which a unit on the loop begins, commits and runs
    its hottest statements. The connection is taken out of the writer's one-connection
    pool once and handed straight back: the pool keeps it open, and any later checkout is
    the same connection."""
    writer = _LOOP_WRITERS.get(engine.sync_engine)
    if writer is None:
        return None
    group = _LOOP_GROUPS.get(writer)
    if group is None or group.driver.connection is not _pooled_connection(writer):
        if group is not None and (group.open or group.waiting):
            raise RuntimeError("the loop's writer changed connection mid-transaction")
        raw = writer.raw_connection()
        try:
            connection = raw.driver_connection
            if connection is None:
                raise RuntimeError("the loop's writer has no connection")
            group = _LOOP_GROUPS[writer] = WriteGroup(Driver(connection, raw.info))
        finally:
            raw.close()
    return writer, group


def _pooled_connection(writer: Engine) -> Any:
    """The `sqlite3` connection the writer's `StaticPool` holds now (None before the first
    checkout)."""
    record = writer.pool.__dict__.get("connection")  # StaticPool's memoized record
    return getattr(record, "driver_connection", None)


def dispose_loop_writer(engine: AsyncEngine) -> None:
    writer = _LOOP_WRITERS.pop(engine.sync_engine, None)
    if writer is not None:
        _LOOP_GROUPS.pop(writer, None)
        writer.dispose()


def _loop_writer(url: str, statement_timeout_s: float) -> Engine | None:
    parsed = make_url(url)
    if parsed.database in (None, "", ":memory:") or parsed.database.startswith("file:"):
        return None  # an in-memory database: a second connection would see another one
    writer = create_sync_engine(
        parsed.set(drivername="sqlite+pysqlite"),
        poolclass=StaticPool,
        connect_args={"check_same_thread": False, "timeout": 0},
        # SQLAlchemy never begins, commits or rolls back on this connection, not even when
        # a connection goes back to the pool: the transactions are the driver's
        # (`loop.WriteGroup`, `part_writer.py`), and one may be open for other units then.
        isolation_level="AUTOCOMMIT",
        skip_autocommit_rollback=True,
        pool_reset_on_return=None,
    )
    _configure_sqlite(writer, begin_immediate=False)

    @event.listens_for(writer, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Each unit's savepoint keeps the pages it changes in a sub-journal: in memory,
        # not a temporary file (8% of a create's CPU, measured).
        dbapi_connection.execute("PRAGMA temp_store=MEMORY")

    bound_statements(
        writer, statement_timeout_s=statement_timeout_s, lock_timeout_s=0, is_async=False
    )
    return writer


def _configure_sqlite(sync_engine: Engine, *, begin_immediate: bool = True) -> None:

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    if not begin_immediate:
        return

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE: take the write lock up front. A deferred transaction that read first
        # fails at once ("database is locked", no busy wait) when another process (the
        # worker, the CLI) committed in between; an immediate one waits its turn instead.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
