"""A loopback HTTP/1.1 server that does, request by request, what a test scripted: answer
and keep the connection, answer and close it, or close it without a word. It keeps every
request it read, to show what the client sent and how often."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class Step:
    data: bytes = b""  # written as the answer
    close: bool = False  # then the connection is closed (FIN)


SILENT_CLOSE = Step(close=True)


def answer(status: int, body: Any, *headers: tuple[str, str], cut_to: int | None = None) -> Step:
    """A JSON answer; with `cut_to`, only that many bytes of its body go out before the
    connection closes."""
    content = json.dumps(body).encode()
    head = [f"HTTP/1.1 {status} X", "Content-Type: application/json"]
    head += [f"Content-Length: {len(content)}", *(f"{k}: {v}" for k, v in headers)]
    data = ("\r\n".join(head) + "\r\n\r\n").encode() + content[:cut_to]
    return Step(data, close=cut_to is not None)


class ScriptedHttp:
    def __init__(self, *steps: Step) -> None:
        self.steps = deque(steps)
        self.requests: list[bytes] = []
        self.connections = 0
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def __aenter__(self) -> ScriptedHttp:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                self.requests.append(head + await reader.readexactly(length))
                step = self.steps.popleft() if self.steps else SILENT_CLOSE
                writer.write(step.data)
                await writer.drain()
                if step.close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
