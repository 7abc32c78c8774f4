"""A stand-in for X's create-post endpoint that answers after a fixed latency and records
what it received, for the publishing benchmark. Only what `AiohttpTwitterGateway.publish`
uses: `POST /2/tweets` with a bearer token and `{"text": ...}`, answered 201
`{"data": {"id": ..., "text": ...}}`.

`python -m bench.fake_platform --port P --latency-ms 50`. Besides the endpoint:
`GET /readyz`; `GET /_bench/receipts`: every post received so far, as
`{"receipts": [[unix_time, text], ...], "peak_in_flight": N, "refused": N}` (time taken on
arrival, before the latency); `POST /_bench/reset` forgets them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn

from entrypoints.runtime import http_config, run_async

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class FakePlatform:
    """The ASGI app; its state is the receipts and the number of posts being answered."""

    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s
        self.receipts: list[tuple[float, str]] = []
        self.in_flight = self.peak_in_flight = self.refused = 0
        self.next_id = 1_900_000_000_000_000_000

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        route = (scope["method"], scope["path"])
        if route == ("POST", "/2/tweets"):
            await self.create_post(scope, receive, send)
        elif route == ("GET", "/readyz"):
            await _answer(send, 200, {"status": "ok"})
        elif route == ("GET", "/_bench/receipts"):
            body = {
                "receipts": self.receipts,
                "peak_in_flight": self.peak_in_flight,
                "refused": self.refused,
            }
            await _answer(send, 200, body)
        elif route == ("POST", "/_bench/reset"):
            self.receipts, self.peak_in_flight, self.refused = [], 0, 0
            await _answer(send, 200, {"status": "ok"})
        else:
            await _answer(send, 404, {"title": "Not Found"})

    async def create_post(self, scope: Scope, receive: Receive, send: Send) -> None:
        arrived = time.time()
        headers = dict(scope["headers"])
        body = await _body(receive)
        text = body.get("text") if isinstance(body, dict) else None
        if not headers.get(b"authorization", b"").startswith(b"Bearer "):
            self.refused += 1
            await _answer(send, 401, {"title": "Unauthorized", "detail": "Unauthorized"})
            return
        if not isinstance(text, str) or not text:
            self.refused += 1
            await _answer(send, 400, {"errors": [{"message": "text is required"}]})
            return
        self.receipts.append((arrived, text))
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.latency_s)  # the simulated platform's own latency
        finally:
            self.in_flight -= 1
        self.next_id += 1
        await _answer(send, 201, {"data": {"id": str(self.next_id), "text": text}})


async def _body(receive: Receive) -> Any:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    try:
        return json.loads(b"".join(chunks) or b"null")
    except ValueError:
        return None


async def _answer(send: Send, status: int, payload: object) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fake_platform")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    app = FakePlatform(args.latency_ms / 1000)
    server = uvicorn.Server(http_config(app, "127.0.0.1", args.port))
    run_async(server.serve())


if __name__ == "__main__":
    main()
