"""Ids in paths and queries, parsed into what the use cases take."""

from uuid import UUID

from application.errors import InvalidCursor, NotFound


def parse_id(value: str) -> UUID:
    """A non-UUID id names nothing: 404, the same as an unknown id."""
    try:
        return UUID(value)
    except ValueError:
        raise NotFound(value) from None


def parse_cursor(value: str | None) -> UUID | None:
    """`starting_after`: absent, or an id; a malformed one names no item of the list."""
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        raise InvalidCursor(value) from None
