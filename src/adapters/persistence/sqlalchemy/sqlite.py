"""What every SQLite connection of ours gets: a database file only its owner can read, and a
bound on how long one statement may run or wait for a lock."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

OWNER_ONLY = 0o600
# Virtual-machine steps between two looks at the clock: about a millisecond of work.
_STEPS_BETWEEN_CHECKS = 10_000
_SIDE_FILES = ("-wal", "-shm", "-journal")


def own_database_file(url: str) -> None:
    """Creates the database file with mode 0600 before SQLite first opens it: SQLite gives
    its `-wal` and `-shm` files the mode of the database file, so all three are the
    owner's alone from their first byte (they hold key hashes, post text and pending
    PKCE verifiers). An empty file is an empty database to SQLite. Files left readable by
    an earlier version are narrowed to their owner."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY))
        return
    except FileExistsError:
        pass
    except FileNotFoundError:  # no such directory: SQLite says so in its own words
        return
    for file in (path, *(path.with_name(path.name + side) for side in _SIDE_FILES)):
        try:
            mode = stat.S_IMODE(file.stat().st_mode)
            if mode & 0o077:
                file.chmod(mode & 0o700)
        except FileNotFoundError:
            continue


class _StatementDeadline:
    """When the statement running now must give up; None between statements (a commit or
    a rollback is never cut short)."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.at: float | None = None

    def start(self, *_: Any) -> None:
        self.at = time.monotonic() + self.timeout_s

    def end(self, *_: Any) -> None:
        self.at = None

    def passed(self) -> int:
        """SQLite's progress handler: non-zero interrupts the statement ("interrupted",
        an OperationalError, which the unit of work reports as the database unavailable)."""
        at = self.at
        return 1 if at is not None and time.monotonic() > at else 0


def bound_statements(
    sync_engine: Engine, *, statement_timeout_s: float, lock_timeout_s: float, is_async: bool
) -> None:
    """Every connection waits at most `lock_timeout_s` for another's lock (SQLite's busy
    timeout), and any one statement runs at most `statement_timeout_s` (a progress
    handler that interrupts it): a runaway query can never hold the only connection."""

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        deadline = _StatementDeadline(statement_timeout_s)
        record.info["statement_deadline"] = deadline
        if is_async:
            dbapi_connection.run_async(
                lambda driver: driver.set_progress_handler(deadline.passed, _STEPS_BETWEEN_CHECKS)
            )
        else:
            dbapi_connection.set_progress_handler(deadline.passed, _STEPS_BETWEEN_CHECKS)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={round(lock_timeout_s * 1000)}")
        cursor.close()

    def _deadline(conn: Any) -> _StatementDeadline | None:
        found = conn.info.get("statement_deadline")
        return found if isinstance(found, _StatementDeadline) else None

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _before(conn: Any, *_: Any) -> None:
        deadline = _deadline(conn)
        if deadline is not None:
            deadline.start()

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _after(conn: Any, *_: Any) -> None:
        deadline = _deadline(conn)
        if deadline is not None:
            deadline.end()

    @event.listens_for(sync_engine, "handle_error")
    def _failed(context: Any) -> None:
        connection = context.connection
        deadline = _deadline(connection) if connection is not None else None
        if deadline is not None:
            deadline.end()
