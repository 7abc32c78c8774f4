"""Serve the fake over real HTTP with uvicorn, on 127.0.0.1 only."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

HOST = "127.0.0.1"


def _listening_socket(port: int) -> socket.socket:
    """Bind and listen first, so the URL is usable the moment it is known.

    The protocol must be named IPPROTO_TCP: asyncio only sets TCP_NODELAY on
    such sockets, and without it every keep-alive answer waits ~40 ms for a
    delayed ACK (Nagle), which would make the fake useless for benchmarks.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    sock.listen(128)
    return sock


def _server(app: Any) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        lifespan="off",
        loop="asyncio",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    return uvicorn.Server(config)


@contextmanager
def serve_in_thread(app: Any, port: int = 0) -> Iterator[str]:
    """Run `app` in a daemon thread and yield its base URL; stop it on exit."""
    sock = _listening_socket(port)
    server = _server(app)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="fake-x", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the fake X server did not start")
        time.sleep(0.005)
    try:
        yield f"http://{HOST}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve_forever(app: Any, port: int, announce: Callable[[str], None]) -> None:
    """Run in the foreground until SIGINT/SIGTERM; `announce` gets the base URL."""
    sock = _listening_socket(port)
    announce(f"http://{HOST}:{sock.getsockname()[1]}")
    try:
        _server(app).run(sockets=[sock])
    finally:
        sock.close()
