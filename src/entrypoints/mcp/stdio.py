"""`openpost mcp`: the tools over stdin and stdout, for the workspace of one API key.

The key is checked again on every call (through the same short cache as the HTTP gate),
so a key revoked while a client is connected is refused within 5 seconds, as everywhere."""

from __future__ import annotations

from dishka import AsyncContainer
from mcp.server.stdio import stdio_server

from application.authenticate import AuthenticateApiKey
from application.ports.api_keys import Principal
from entrypoints.mcp.server import Context, build_server


async def serve_stdio(container: AsyncContainer, key: str) -> None:
    """Serves until the client closes stdin. The caller has checked the key once."""
    authenticate = await container.get(AuthenticateApiKey)

    async def principal_of(ctx: Context) -> Principal | None:
        return await authenticate.execute(key)

    server = build_server(container, principal_of)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
