from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from application.errors import DatabaseUnavailable


@contextmanager
def translate_database_errors() -> Iterator[None]:
    """Connection-level failures become `DatabaseUnavailable`; the edge answers 503."""
    try:
        yield
    except (OperationalError, InterfaceError) as error:
        raise DatabaseUnavailable(
            type(error.orig).__name__ if error.orig else "database"
        ) from error
    except DBAPIError as error:
        if error.connection_invalidated:
            raise DatabaseUnavailable("connection lost") from error
        raise
    except OSError as error:
        raise DatabaseUnavailable(type(error).__name__) from error
