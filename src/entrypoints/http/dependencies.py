from typing import Any
from uuid import UUID

from litestar import Request

from application.errors import NotFound
from application.ports.api_keys import Principal
from entrypoints.http.gate import PRINCIPAL


def principal(request: Request[Any, Any, Any]) -> Principal:
    """Set by the gate; every /v1 handler has one."""
    value: Principal = request.scope[PRINCIPAL]  # type: ignore[typeddict-item]
    return value


def parse_id(value: str) -> UUID:
    """A non-UUID id names nothing: 404, the same as an unknown id."""
    try:
        return UUID(value)
    except ValueError:
        raise NotFound(value) from None
