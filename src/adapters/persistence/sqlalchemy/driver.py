"""The hottest statements of a create, run straight on SQLite's `sqlite3` connection when
the unit of work is on the event loop (`loop.LoopConnection`).

Each is a SQLAlchemy Core statement of the repository's own, compiled once per set of
parameter names with SQLAlchemy's SQLite dialect, and each value and column goes through
the column type's own bind and result processing: the same SQL and the same values as
`Connection.execute`, without its per-statement machinery (execution context, events,
result object), which cost 30-40 us a statement against SQLite's own 10 (docs/decisions.md,
"SQLite: a create's statements on the driver"). A driver error comes back as SQLAlchemy's,
and the connection's statement deadline (`sqlite.bound_statements`) applies, as for any
statement."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.base import Executable

_DIALECT = SQLiteDialect_pysqlite(paramstyle="named")
_Processor = Callable[[Any], Any]
# A bind parameter: (the caller's name or None, a value the statement carries, processing)
_Bind = tuple[str | None, Any, _Processor | None]


def bind_plan(compiled: Any, keys: Sequence[str], dialect: Any) -> dict[str, _Bind]:
    """Each bind parameter of a compiled statement, by its name in the SQL: the caller's
    name for it and its type's bind processing, or (None, the value the statement carries
    itself, already processed, None). Shared with `pg_driver`."""
    given = set(keys)
    plan: dict[str, _Bind] = {}
    for bind, name in compiled.bind_names.items():
        if bind.expanding:
            raise ValueError("an expanding parameter cannot run on a driver directly")
        process = bind.type._cached_bind_processor(dialect)
        if bind.key in given:
            plan[name] = (bind.key, None, process)
        else:
            value = bind.effective_value
            plan[name] = (None, process(value) if process is not None else value, None)
    return plan


def result_plan(compiled: Any, dialect: Any) -> list[tuple[str, _Processor | None]]:
    """Each column of a compiled statement's rows: its name and its type's processing."""
    return [
        (entry.keyname, entry.type._cached_result_processor(dialect, None))
        for entry in compiled._result_columns
    ]


class _Compiled:
    __slots__ = ("binds", "columns", "fixed", "sql")

    def __init__(self, statement: Executable, keys: Sequence[str]) -> None:
        compiled = statement.compile(dialect=_DIALECT, column_keys=list(keys))  # type: ignore[attr-defined]
        self.sql = str(compiled)
        plan = bind_plan(compiled, keys, _DIALECT)
        # (the caller's name, the name in the SQL, the type's bind processing)
        self.binds: list[tuple[str, str, _Processor | None]] = [
            (key, name, process) for name, (key, _, process) in plan.items() if key is not None
        ]
        self.fixed: dict[str, Any] = {
            name: fixed for name, (key, fixed, _) in plan.items() if key is None
        }
        self.columns = result_plan(compiled, _DIALECT)

    def row(self, params: Mapping[str, Any]) -> dict[str, Any]:
        row = dict(self.fixed)
        for key, name, process in self.binds:
            value = params[key]
            row[name] = process(value) if process is not None else value
        return row


class DriverStatement:
    """A statement to run on a `sqlite3.Connection` (see the module)."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, ...], _Compiled] = {}

    def _for(self, params: Mapping[str, Any]) -> _Compiled:
        keys = tuple(params)
        found = self._compiled.get(keys)
        if found is None:
            found = self._compiled[keys] = _Compiled(self.statement, keys)
        return found

    def execute(self, driver: Driver, params: Mapping[str, Any]) -> int:
        """Runs the statement once; the rows it changed."""
        compiled = self._for(params)
        cursor = driver.run(compiled.sql, compiled.row(params))
        return int(cursor.rowcount)

    def execute_many(self, driver: Driver, rows: Sequence[Mapping[str, Any]]) -> None:
        """Runs the statement for each row (all with the same keys), as one executemany."""
        if not rows:
            return
        compiled = self._for(rows[0])
        driver.run_many(compiled.sql, [compiled.row(r) for r in rows])

    def rows(self, driver: Driver, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The statement's rows, each a mapping of its columns' names to their values."""
        compiled = self._for(params)
        cursor = driver.run(compiled.sql, compiled.row(params))
        columns = compiled.columns
        return [
            {
                name: process(value) if process is not None else value
                for (name, process), value in zip(columns, found, strict=True)
            }
            for found in cursor.fetchall()
        ]


class Driver:
    """A unit's `sqlite3.Connection`, with the bound on a statement's time its SQLAlchemy
    connection has (`info["statement_deadline"]`)."""

    __slots__ = ("connection", "deadline")

    def __init__(self, connection: sqlite3.Connection, info: Mapping[str, Any]) -> None:
        self.connection = connection
        self.deadline = info.get("statement_deadline")

    def run(self, sql: str, params: Mapping[str, Any]) -> sqlite3.Cursor:
        deadline = self.deadline
        if deadline is not None:
            deadline.start()
        try:
            return self.connection.execute(sql, params)
        except sqlite3.Error as error:
            raise DBAPIError.instance(sql, params, error, sqlite3.Error) from error
        finally:
            if deadline is not None:
                deadline.end()

    def run_many(self, sql: str, rows: Iterable[Mapping[str, Any]]) -> None:
        deadline = self.deadline
        if deadline is not None:
            deadline.start()
        try:
            self.connection.executemany(sql, rows)
        except sqlite3.Error as error:
            raise DBAPIError.instance(sql, None, error, sqlite3.Error) from error
        finally:
            if deadline is not None:
                deadline.end()
