from typing import Any
from uuid import UUID

from litestar import Request

from application.errors import InvalidCursor, NotFound
from application.ports.api_keys import Principal
from entrypoints.http.gate import PRINCIPAL


def principal(request: Request[Any, Any, Any]) -> Principal:
    """Set by the gate; every /v1 handler has one."""
    scope: dict[str, Any] = request.scope  # type: ignore[assignment]
    value: Principal = scope[PRINCIPAL]
    return value


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
