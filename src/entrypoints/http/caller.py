"""Who is calling: the principal the gate authenticated, read from the request."""

from __future__ import annotations

from typing import Any

from litestar import Request

from application.ports.api_keys import Principal
from entrypoints.http.errors import NotAuthenticated

PRINCIPAL = "openpost.principal"  # the ASGI scope key the gate sets on an authenticated /v1 request


def caller(request: Request[Any, Any, Any]) -> Principal:
    """The caller of a /v1 route. The gate sets it before routing; a request that reaches a
    handler without one was not authenticated, and is refused (401), never served."""
    principal: Principal | None = request.scope.get(PRINCIPAL)  # type: ignore[assignment]
    if principal is None:
        raise NotAuthenticated
    return principal
