"""A small HTTP server on loopback that the guarded fetcher is pointed at."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web


def _routes(never: asyncio.Event) -> web.Application:
    app = web.Application()

    async def ok(request: web.Request) -> web.Response:
        return web.Response(text=f"ok {request.method} {request.host}")

    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read())

    async def hop(request: web.Request) -> web.Response:
        left = int(request.match_info["left"])
        target = "/ok" if left == 0 else f"/hop/{left - 1}"
        raise web.HTTPFound(target)

    async def away(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    async def big(request: web.Request) -> web.StreamResponse:
        size = int(request.query["size"])
        if request.query.get("declared") == "1":
            return web.Response(body=b"x" * size)
        answer = web.StreamResponse()
        await answer.prepare(request)
        for _ in range(size // 65536):
            await answer.write(b"x" * 65536)
        return answer

    async def stall(request: web.Request) -> web.Response:
        await never.wait()
        return web.Response()

    app.add_routes(
        [
            web.get("/ok", ok),
            web.post("/echo", echo),
            web.get("/hop/{left}", hop),
            web.post("/away", away),
            web.get("/away", away),
            web.get("/big", big),
            web.get("/stall", stall),
        ]
    )
    return app


@pytest.fixture(scope="module")
async def loopback_port() -> AsyncIterator[int]:
    never = asyncio.Event()
    runner = web.AppRunner(_routes(never))
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    yield sock.getsockname()[1]
    never.set()
    await runner.cleanup()
