"""`/mcp`, mounted behind the gate. The MCP SDK loads on the first request that reaches it,
not at start-up: importing it is a second or more of CPU (its protocol models are built as
it loads), which every `serve` start would pay whether or not anyone uses MCP.

The SDK's request handling lives in a task group that must be entered and left by one
task; a task of its own holds it from the first request until shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from dishka import AsyncContainer

from entrypoints.http.caller import PRINCIPAL
from entrypoints.http.envelope import Refusal, request_id_of, send_refusal
from entrypoints.http.errors import INTERNAL

ASGIApp = Any
log = logging.getLogger("openpost.mcp")

# Stateless MCP has no stream to open (GET: the SDK would hold it open forever) and no
# session to end (DELETE).
POST_ONLY = Refusal(
    405,
    "method_not_allowed",
    "This route does not allow that method.",
    headers=(("Allow", "POST"),),
)


class McpMount:
    def __init__(self, container: AsyncContainer, max_body_bytes: int) -> None:
        self.container, self.max_body_bytes = container, max_body_bytes
        self._app: asyncio.Future[ASGIApp] | None = None
        self._stop = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["method"] != "POST":
            await send_refusal(send, POST_ONLY, request_id_of(scope))
            return
        if self._app is None:
            self._app = asyncio.get_running_loop().create_future()
            self._runner = asyncio.create_task(self._run(self._app), name="openpost-mcp")
        try:
            app = await asyncio.shield(self._app)
        except Exception:
            log.exception("the MCP endpoint could not start")
            await send_refusal(send, INTERNAL, request_id_of(scope))
            return
        await app(scope, receive, send)

    async def _run(self, ready: asyncio.Future[ASGIApp]) -> None:
        try:
            from entrypoints.mcp.http import streamable_http

            serving = streamable_http(
                self.container, self.max_body_bytes, lambda scope: scope.get(PRINCIPAL), request_id_of
            )
            async with serving as app:
                ready.set_result(app)
                await self._stop.wait()
        except Exception as error:  # the requests waiting on it answer 500; the next retries
            if not ready.done():
                ready.set_exception(error)
                self._app = None
            else:
                log.exception("the MCP endpoint stopped with an error")

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Any) -> Any:
        """Stops the SDK's task group at shutdown, before the container closes."""
        try:
            yield
        finally:
            self._stop.set()
            if self._runner is not None:
                with contextlib.suppress(Exception):
                    await self._runner
