"""A webhook receiver in a process of its own, on loopback, that answers as told.

Run `python -m tests.support.webhook_receiver`; it prints `port=N` once listening. The
path of each request says how to answer:
  /ok/...            204
  /status/CODE/...   that status (a 3xx with `Location: http://10.0.0.1/`, a private address)
  /delay/MS/...      200 after MS milliseconds (the benchmarks' receiver)
  /script/...        the next status scripted for this path, 204 when none is left
  /hang/...          reads the request and never answers
  /close/...         reads the request and closes the connection without a word
  /huge/...          200 with a 1 GB body, streamed for as long as the client reads
  /drip/...          the status line and headers one byte every 200 ms
  /dripbody/...      200 with Content-Length 1000, then one byte a second
Control (JSON): `POST /_control/secrets {"path", "secrets"}` makes it verify that path's
requests with the `standardwebhooks` library; `POST /_control/script {"path", "answers"}`;
`GET /_control/log` lists every request (path, headers, body, verified, arrived at);
`GET /_control/count` says how many there were (cheap enough to poll: the log of
thousands of requests takes the receiver tens of milliseconds to encode, and delays every
answer meanwhile).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from standardwebhooks import Webhook

HUGE = 1 << 30
REASONS = {200: "OK", 204: "No Content", 302: "Found", 410: "Gone", 500: "Server Error"}


class Receiver:
    def __init__(self) -> None:
        self.log: list[dict[str, Any]] = []
        self.secrets: dict[str, list[str]] = {}
        self.scripts: dict[str, list[int]] = {}

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                if not await self.answer(request, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def answer(self, request: dict[str, Any], writer: asyncio.StreamWriter) -> bool:
        """Answers one request; False when the connection must close."""
        path: str = request["path"]
        if path.startswith("/_control/"):
            _write(writer, 200, json.dumps(self.control(path, request)).encode())
            return True
        self.record(request)
        mode, _, rest = path.strip("/").partition("/")
        if mode == "ok":
            _write(writer, 204, b"")
        elif mode == "status":
            code = int(rest.split("/")[0])
            location = [("Location", "http://10.0.0.1/")] if 300 <= code < 400 else []
            _write(writer, code, b"answered as told", *location)
        elif mode == "delay":
            await asyncio.sleep(int(rest.split("/")[0]) / 1000)
            _write(writer, 200, b"ok")
        elif mode == "script":
            answers = self.scripts.get(path, [])
            _write(writer, answers.pop(0) if answers else 204, b"")
        elif mode == "hang":
            await asyncio.Event().wait()
        elif mode == "close":
            return False
        elif mode == "huge":
            writer.write(f"HTTP/1.1 200 OK\r\nContent-Length: {HUGE}\r\n\r\n".encode())
            chunk = b"\0" * 65536
            for _ in range(HUGE // len(chunk)):
                writer.write(chunk)
                await writer.drain()
        elif mode == "drip":
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.2)
        elif mode == "dripbody":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            for _ in range(1000):
                writer.write(b"x")
                await writer.drain()
                await asyncio.sleep(1)
        await writer.drain()
        return mode not in ("huge", "drip", "dripbody")

    def record(self, request: dict[str, Any]) -> None:
        body: bytes = request["body"]
        verified = None
        secrets = self.secrets.get(request["path"])
        if secrets:
            verified = [_verifies(s, body, request["headers"]) for s in secrets]
        self.log.append(
            {
                "path": request["path"],
                "headers": request["headers"],
                "body": body.decode(errors="replace"),
                "verified": verified,
                "arrived_at": time.time(),
            }
        )

    def control(self, path: str, request: dict[str, Any]) -> Any:
        command = path.removeprefix("/_control/")
        if command == "log":
            return self.log
        if command == "count":
            return len(self.log)
        payload = json.loads(request["body"] or b"{}")
        if command == "secrets":
            self.secrets[payload["path"]] = payload["secrets"]
        elif command == "script":
            self.scripts[payload["path"]] = list(payload["answers"])
        elif command == "reset":
            self.log.clear()
        return {"ok": True}


def _verifies(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except Exception:
        return False
    return True


async def _read_request(reader: asyncio.StreamReader) -> dict[str, Any] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    _method, path, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return {"path": path, "headers": headers, "body": body}


def _write(writer: asyncio.StreamWriter, status: int, body: bytes, *extra: tuple[str, str]) -> None:
    head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Answer')}", f"Content-Length: {len(body)}"]
    head += [f"{name}: {value}" for name, value in extra]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)


async def main() -> None:
    receiver = Receiver()
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0, backlog=1024)
    print(f"port={server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
