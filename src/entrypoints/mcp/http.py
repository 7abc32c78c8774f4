"""The tools over streamable HTTP, for `/mcp` in `openpost serve`.

The HTTP gate has already checked the request's Bearer key and counted it against the
key's rate limit, exactly as on `/v1`; each call acts for that request's caller, and its
error bodies carry that request's id. Stateless, with JSON answers: no session lives in
one process, so any number of `serve` processes can share the traffic."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from dishka import AsyncContainer
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

from application.ports.api_keys import Principal
from entrypoints.http.envelope import new_request_id
from entrypoints.mcp.server import Context, build_server

ASGIApp = Any
Scope = dict[str, Any]  # an ASGI scope


@asynccontextmanager
async def streamable_http(
    container: AsyncContainer,
    max_body_bytes: int,
    caller_of: Callable[[Scope], Principal | None],
    request_id_of: Callable[[Scope], str | None],
) -> AsyncIterator[ASGIApp]:
    """The ASGI app answering `/mcp`, live while the context is open (the SDK runs each
    request in a task group of its own, entered and left here). `caller_of` and
    `request_id_of` read what the gate put in the request's scope."""

    def scope_of(ctx: Context) -> Scope:
        scope: Scope = getattr(ctx.request, "scope", {})
        return scope

    async def principal(ctx: Context) -> Principal | None:
        return caller_of(scope_of(ctx))

    def request_id(ctx: Context) -> str:
        return request_id_of(scope_of(ctx)) or new_request_id()

    manager = StreamableHTTPSessionManager(
        app=build_server(container, principal, request_id),
        stateless=True,
        json_response=True,
        max_request_body_size=max_body_bytes,
    )
    async with manager.run():
        yield manager.handle_request
