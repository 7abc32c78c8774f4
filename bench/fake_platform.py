"""A stand-in for X's create-post endpoint that answers after a fixed latency and records
what it received, for the publishing benchmarks. Only what `AiohttpTwitterGateway` uses:
`POST /2/tweets` with a bearer token and `{"text": ...}`, answered 201
`{"data": {"id": ..., "text": ...}}`.

`python -m bench.fake_platform --port P --latency-ms 50`. Besides the endpoint:
`GET /readyz`; `GET /_bench/receipts`: every post received so far, as
`{"receipts": [[unix_time, text], ...], "peak_in_flight": N, "refused": N}` (time taken on
arrival, before the latency); `POST /_bench/reset` forgets them.

It is an `asyncio.Protocol` over httptools' parser, not an ASGI app behind a server: X
answers on machines of its own, while this fake shares the benchmark's two CPUs with the
workers and the database, so what it spends is taken from what it measures. Behind
uvicorn a post cost it 63 us of CPU (15,900 posts/s at zero latency on one CPU, wrk with
32 connections); here 18 us (56,400/s): at the 3,000/s that four workers aim for, 0.05 of
a CPU instead of 0.19. The latency is a timer (`call_later`), which costs nothing while it
runs. HTTP/1.1 with keep-alive, one request at a time per connection (the clients here
never pipeline).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from typing import Any

import httptools

REASONS = {200: b"OK", 201: b"Created", 400: b"Bad Request", 401: b"Unauthorized",
           404: b"Not Found"}  # fmt: skip


class FakePlatform:
    """The state: the receipts and the number of posts being answered."""

    def __init__(self, latency_s: float) -> None:
        self.latency_s = latency_s
        self.receipts: list[tuple[float, str]] = []
        self.in_flight = self.peak_in_flight = self.refused = 0
        self.next_id = 1_900_000_000_000_000_000

    def handle(self, request: _Request) -> None:
        route = (request.method, request.path)
        if route == (b"POST", b"/2/tweets"):
            self.create_post(request)
        elif route == (b"GET", b"/readyz"):
            request.answer(200, {"status": "ok"})
        elif route == (b"GET", b"/_bench/receipts"):
            body = {
                "receipts": self.receipts,
                "peak_in_flight": self.peak_in_flight,
                "refused": self.refused,
            }
            request.answer(200, body)
        elif route == (b"POST", b"/_bench/reset"):
            self.receipts, self.peak_in_flight, self.refused = [], 0, 0
            request.answer(200, {"status": "ok"})
        else:
            request.answer(404, {"title": "Not Found"})

    def create_post(self, request: _Request) -> None:
        arrived = time.time()
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            body = None
        text = body.get("text") if isinstance(body, dict) else None
        if not request.authorization.startswith(b"Bearer "):
            self.refused += 1
            request.answer(401, {"title": "Unauthorized", "detail": "Unauthorized"})
            return
        if not isinstance(text, str) or not text:
            self.refused += 1
            request.answer(400, {"errors": [{"message": "text is required"}]})
            return
        self.receipts.append((arrived, text))
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        # The simulated platform's own latency: a timer, so that waiting costs no CPU.
        asyncio.get_running_loop().call_later(self.latency_s, self._answer_post, request, text)

    def _answer_post(self, request: _Request, text: str) -> None:
        self.in_flight -= 1
        self.next_id += 1
        request.answer(201, {"data": {"id": str(self.next_id), "text": text}})


class _Request:
    """One parsed request and the connection to answer it on."""

    __slots__ = ("authorization", "body", "connection", "keep_alive", "method", "path")

    def __init__(self, connection: _Connection, method: bytes, path: bytes) -> None:
        self.connection, self.method, self.path = connection, method, path
        self.authorization = b""
        self.body = b""
        self.keep_alive = True

    def answer(self, status: int, payload: object) -> None:
        body = json.dumps(payload).encode()
        head = b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n" % (
            status,
            REASONS[status],
            len(body),
        )
        if not self.keep_alive:
            head += b"connection: close\r\n"
        transport = self.connection.transport
        if transport is None or transport.is_closing():
            return
        transport.write(head + b"\r\n" + body)
        if not self.keep_alive:
            transport.close()


class _Connection(asyncio.Protocol):
    """httptools calls the `on_*` methods while `data_received` feeds it."""

    def __init__(self, platform: FakePlatform) -> None:
        self.platform = platform
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self._url = b""
        self._authorization = b""
        self._body: list[bytes] = []

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self.transport is not None:
                self.transport.close()

    def on_message_begin(self) -> None:
        self._url, self._authorization, self._body = b"", b"", []

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"authorization":
            self._authorization = value

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        path = httptools.parse_url(self._url).path
        request = _Request(self, self.parser.get_method(), path)
        request.authorization = self._authorization
        request.body = b"".join(self._body)
        request.keep_alive = self.parser.should_keep_alive()
        self.platform.handle(request)


async def serve(port: int, latency_s: float) -> None:
    platform = FakePlatform(latency_s)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Connection(platform), "127.0.0.1", port,
                                      backlog=1024)  # fmt: skip
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fake_platform")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):  # stopped by the benchmark
        asyncio.run(serve(args.port, args.latency_ms / 1000))


if __name__ == "__main__":
    main()
