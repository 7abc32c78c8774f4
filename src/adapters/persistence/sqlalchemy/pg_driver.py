"""The hottest statements of a create, run straight on `asyncpg` under a unit's SQLAlchemy
connection to PostgreSQL: the PostgreSQL side of `driver.py`.

Each is a SQLAlchemy Core statement of the repository's own, compiled once per set of
parameter names with SQLAlchemy's asyncpg dialect, and each value and column goes through
the column type's own bind and result processing: the same SQL and the same values as
`AsyncConnection.execute`, without its per-statement machinery (a greenlet, the execution
context, parameter construction, the result object), which cost about 90 us a statement
against asyncpg's own 70 (docs/decisions.md, "PostgreSQL: a create's statements on
asyncpg").

The statement runs in the transaction SQLAlchemy's adapter keeps for the connection,
begun here as the adapter begins it when it is the unit's first statement, and under the
adapter's lock, so SQLAlchemy's own statements, COMMIT and ROLLBACK on the same connection
see one consistent state. A driver error comes back as SQLAlchemy's, as from `execute`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.base import Executable

from adapters.persistence.sqlalchemy.driver import bind_plan, result_plan


class _Compiled:
    __slots__ = ("binds", "columns", "sql")

    def __init__(self, statement: Executable, keys: Sequence[str], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))  # type: ignore[attr-defined]
        self.sql = str(compiled)
        plan = bind_plan(compiled, keys, dialect)
        # In the order of $1..$n: (the caller's name or None, a fixed value, processing)
        self.binds = [plan[name] for name in compiled.positiontup or ()]
        self.columns = result_plan(compiled, dialect)

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        values = []
        for key, fixed, process in self.binds:
            if key is None:
                values.append(fixed)
                continue
            value = params[key]
            values.append(process(value) if process is not None else value)
        return values


class PgStatement:
    """A statement to run on a unit's asyncpg connection (see the module)."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, ...], _Compiled] = {}

    def _for(self, conn: AsyncConnection, params: Mapping[str, Any]) -> _Compiled:
        # Compiled with the first connection's dialect: every engine over asyncpg in a
        # process is made by `engine.create_engine`, with the same dialect settings.
        keys = tuple(params)
        found = self._compiled.get(keys)
        if found is None:
            found = self._compiled[keys] = _Compiled(self.statement, keys, conn.dialect)
        return found

    async def execute(self, conn: AsyncConnection, params: Mapping[str, Any]) -> int:
        """Runs the statement once; the rows it changed (from its status, `INSERT 0 1`)."""
        compiled = self._for(conn, params)
        status: str = await _run(conn, compiled.sql, compiled.args(params), "execute")
        count = status.rpartition(" ")[2]
        return int(count) if count.isdigit() else -1

    async def rows(self, conn: AsyncConnection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The statement's rows, each a mapping of its columns' names to their values."""
        compiled = self._for(conn, params)
        found = await _run(conn, compiled.sql, compiled.args(params), "fetch")
        columns = compiled.columns
        return [
            {
                name: process(value) if process is not None else value
                for (name, process), value in zip(columns, record, strict=True)
            }
            for record in found
        ]

    async def scalars(self, conn: AsyncConnection, params: Mapping[str, Any]) -> list[Any]:
        """The first column of the statement's rows."""
        compiled = self._for(conn, params)
        found = await _run(conn, compiled.sql, compiled.args(params), "fetch")
        process = compiled.columns[0][1]
        if process is None:
            return [record[0] for record in found]
        return [process(record[0]) for record in found]


def is_asyncpg(conn: object) -> bool:
    """Whether a unit's connection is SQLAlchemy's over asyncpg (so `PgStatement` runs)."""
    return isinstance(conn, AsyncConnection) and conn.dialect.driver == "asyncpg"


_EACH_ALONE = "openpost.each_statement_alone"


def each_alone(conn: AsyncConnection, alone: bool) -> None:
    """Whether a `PgStatement` on this connection runs on its own, committed as it ends,
    rather than in the transaction it would begin (for a statementwise unit of work; set
    as the unit opens, cleared before the connection goes back to the pool)."""
    sync = conn.sync_connection
    if sync is None or sync.invalidated:
        return
    if alone:
        sync.info[_EACH_ALONE] = True
    else:
        sync.info.pop(_EACH_ALONE, None)


async def _adapter(conn: AsyncConnection) -> Any:
    """SQLAlchemy's asyncpg adapter of the connection (a new one once it was invalidated:
    reconnecting is I/O, done in SQLAlchemy's greenlet)."""
    sync = conn.sync_connection
    if sync is None or sync.invalidated:
        return (await conn.get_raw_connection()).dbapi_connection
    return sync.connection.dbapi_connection


async def _run(conn: AsyncConnection, sql: str, args: list[Any], how: str) -> Any:
    adapter = await _adapter(conn)
    alone = conn.sync_connection.info.get(_EACH_ALONE, False)  # type: ignore[union-attr]
    async with adapter._execute_mutex:
        try:
            if adapter._transaction is None and not alone:
                await adapter._start_transaction()  # none in autocommit
            return await getattr(adapter._connection, how)(sql, *args)
        except Exception as error:
            failed = error
    raise await _as_sqlalchemy_error(conn, adapter, failed, sql, args)


async def end_transaction(conn: AsyncConnection, how: str) -> None:
    """Commits (`how="commit"`) or rolls back the transaction a `PgStatement` began, when
    SQLAlchemy began none on the connection (else `AsyncConnection.commit` ends it). A
    connection invalidated since has none left to end."""
    sync = conn.sync_connection
    if sync is None or sync.invalidated:
        return
    adapter: Any = sync.connection.dbapi_connection
    async with adapter._execute_mutex:
        transaction = adapter._transaction
        if transaction is None:
            return
        try:
            await adapter._call_and_discard(getattr(transaction, how))
            return
        except Exception as error:
            failed = error
    raise await _as_sqlalchemy_error(conn, adapter, failed, how.upper(), None)


async def _as_sqlalchemy_error(
    conn: AsyncConnection, adapter: Any, error: Exception, sql: str, args: Any
) -> Exception:
    """The error `AsyncConnection.execute` would raise: the adapter's DBAPI error wrapped in
    SQLAlchemy's. A lost connection is invalidated first, as SQLAlchemy does, so the pool
    opens a new one instead of lending the dead one again."""
    try:
        adapter._handle_exception(error)
    except Exception as translated:
        dbapi_error = translated
    else:  # pragma: no cover - the adapter always raises
        dbapi_error = error
    lost = conn.dialect.is_disconnect(dbapi_error, adapter, None)  # type: ignore[arg-type]
    if lost:
        await conn.invalidate(dbapi_error)
    wrapped: Exception = DBAPIError.instance(
        sql,
        args,
        dbapi_error,
        conn.dialect.loaded_dbapi.Error,
        hide_parameters=conn.sync_engine.hide_parameters,
        connection_invalidated=lost,
    )
    if not isinstance(wrapped, DBAPIError):  # not a DBAPI error at all: itself
        return error
    wrapped.__cause__ = error
    return wrapped
