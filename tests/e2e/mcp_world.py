"""A database shared by a real MCP server (an `openpost mcp` process per client, or one
`openpost serve`) and the test, talked to with the MCP SDK's own client.

The test side works in-process on the same database: it makes workspaces, disconnects and
revokes as an operator would, and publishes with a publisher under a manual clock (the
servers run on the real one), so a post in the next slot is published without waiting
for its hour."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx2
import pytest
from aiohttp import web
from dishka import AsyncContainer
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import ManualClock
from adapters.persistence.sqlalchemy.migrate import upgrade
from application.api_keys import RevokeApiKey
from application.disconnect_integration import DisconnectIntegration
from application.workspaces import CreatedWorkspace, CreateWorkspace
from domain.platform import Platform
from domain.workspace import WorkspaceMode
from entrypoints.composition import build_container
from entrypoints.settings import Settings, load_settings
from entrypoints.worker import build_publisher
from tests.e2e.conftest import ClockOverride
from tests.support import media_samples as samples
from tests.support.serve import OPENPOST, ServeProcess, base_env, serve

MAX_PASSES = 10


@dataclass
class McpWorld:
    transport: str  # "stdio" or "http"
    cwd: Path
    env: dict[str, str]
    settings: Settings
    container: AsyncContainer
    clock: ManualClock
    server: ServeProcess | None = None

    # ---- clients ---------------------------------------------------------------------

    def client(self, key: str) -> Client:
        """The SDK's client on this world's transport, acting with `key`."""
        if self.server is None:
            params = StdioServerParameters(
                command=str(OPENPOST),
                args=["mcp"],
                env={**self.env, "OPENPOST_API_KEY": key},
                cwd=self.cwd,
            )
            return Client(params)
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=60)
        return Client(streamable_http_client(self.server.url + "/mcp", http_client=http))

    # ---- what an operator does ---------------------------------------------------------

    async def workspace(self, name: str = "demo") -> CreatedWorkspace:
        """A new test workspace (one synthetic X and one synthetic Bluesky account)."""
        async with self.container() as scope:
            return await (await scope.get(CreateWorkspace)).execute(name, WorkspaceMode.TEST)

    async def disconnect(self, created: CreatedWorkspace, integration_id: str) -> None:
        async with self.container() as scope:
            use_case = await scope.get(DisconnectIntegration)
            await use_case.execute(created.workspace.id, WorkspaceMode.TEST, UUID(integration_id))

    async def revoke(self, key: str) -> None:
        async with self.container() as scope:
            await (await scope.get(RevokeApiKey)).execute(key)

    async def publish_due(self, at: datetime) -> int:
        """Moves the publisher's clock to `at` and publishes what is due then. Returns how
        many targets were claimed."""
        if at > self.clock.now():
            self.clock.set(at)
        publisher = await build_publisher(self.container, self.settings)
        claimed = 0
        for _ in range(MAX_PASSES):
            started = await publisher.run_once()
            await publisher.drain(timeout_s=30)
            if started == 0:
                return claimed
            claimed += started
        raise AssertionError(f"still claiming targets after {MAX_PASSES} passes")


def integration_on(created: CreatedWorkspace, platform: Platform) -> str:
    [found] = [i for i in created.integrations if i.platform is platform]
    return str(found.id)


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A call that must succeed: its structured result (which the SDK client has already
    checked against the tool's output schema), the same as its text."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    body = result.structured_content
    assert isinstance(body, dict)
    assert json.loads(result.content[0].text) == body  # type: ignore[union-attr]
    return body


async def refused(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A call that must be refused: the error body it carries."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    body: dict[str, Any] = json.loads(result.content[0].text)  # type: ignore[union-attr]
    assert body["request_id"].startswith("req_")
    return body


@pytest.fixture(scope="module", params=["stdio", "http"])
async def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[McpWorld]:
    """One SQLite database per transport; over HTTP, one `openpost serve --no-worker` on
    it (the test publishes, under its own clock). Keys are re-checked at once
    (`API_KEY_CACHE_S=0`), so a revocation shows on the next call."""
    cwd = tmp_path_factory.mktemp(f"mcp-{request.param}")
    env = base_env(
        OPENPOST_DATABASE_URL=f"sqlite+aiosqlite:///{cwd / 'openpost.db'}",
        OPENPOST_API_KEY_CACHE_S="0",
        OPENPOST_FETCH_ALLOW_PRIVATE="true",  # the image server below is on loopback
    )
    settings = load_settings(env, dotenv=None)
    clock = ManualClock(datetime.now(UTC))
    container = build_container(settings, ClockOverride(clock))
    try:
        await upgrade(await container.get(AsyncEngine))  # and the key file, beside the database
        world = McpWorld(request.param, cwd, env, settings, container, clock)
        if request.param == "stdio":
            yield world
        else:
            with serve(cwd, env, "--no-worker") as world.server:
                yield world
                assert world.server.stop() == 0
    finally:
        await container.close()


@pytest.fixture
async def image_server() -> AsyncIterator[str]:
    """An HTTP server on loopback: a 12x34 PNG at /image.png, 404 anywhere else."""
    app = web.Application()

    async def image(request: web.Request) -> web.Response:
        return web.Response(body=samples.png(12, 34), content_type="image/png")

    app.add_routes([web.get("/image.png", image)])
    runner = web.AppRunner(app)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    await runner.cleanup()
