from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from application.errors import DatabaseUnavailable

# SQLSTATE classes that mean "the server is not there for us right now": connection
# exceptions (08), insufficient resources such as too many connections (53), and an
# operator intervention: shutdown, crash, restart, database dropped (57P); and our own
# bounds: a statement past `statement_timeout` (57014) or a lock past `lock_timeout` (55P03).
_UNAVAILABLE_STATES = ("08", "53", "57P", "57014", "55P03")


def as_unavailable(error: BaseException, *, connecting: bool = False) -> DatabaseUnavailable | None:
    """The `DatabaseUnavailable` an error amounts to, or None for any other error.

    While connecting, every driver error counts (refused, database not accepting
    connections, bad password, no such database): no connection means no database.
    Afterwards only connection-level failures do; a constraint violation stays itself."""
    if isinstance(error, DatabaseUnavailable):
        return error
    if isinstance(error, PoolTimeout):
        return DatabaseUnavailable("no free database connection")
    if isinstance(error, DBAPIError):
        state = str(getattr(error.orig, "sqlstate", None) or "")
        if (
            connecting
            or error.connection_invalidated
            or isinstance(error, (OperationalError, InterfaceError))
            or state.startswith(_UNAVAILABLE_STATES)
        ):
            return DatabaseUnavailable(type(error.orig).__name__ if error.orig else "database")
        return None
    if isinstance(error, OSError):  # refused, reset, timed out (TimeoutError is an OSError)
        return DatabaseUnavailable(type(error).__name__)
    return None


@contextmanager
def translate_database_errors(*, connecting: bool = False) -> Iterator[None]:
    """Connection-level failures become `DatabaseUnavailable`; the edge answers 503."""
    try:
        yield
    except Exception as error:
        unavailable = as_unavailable(error, connecting=connecting)
        if unavailable is None or unavailable is error:
            raise
        raise unavailable from error
