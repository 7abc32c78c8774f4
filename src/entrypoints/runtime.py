"""How the processes run: the event loop every `openpost` command uses, and the HTTP
server's settings. It imports nothing of the application, so the benchmarks' bare app can
run under exactly the same settings."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine
from typing import Any, TypeVar

import uvicorn

from entrypoints.settings import Settings

T = TypeVar("T")


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """Runs a command's coroutine on asyncio's own event loop. (uvloop was measured in its
    place, see BENCHMARKS.md: no more throughput here, and a p99 several times worse.)"""
    return asyncio.run(main)


def http_config(
    app: Any, host: str, port: int, grace_s: float = Settings.shutdown_grace_s
) -> uvicorn.Config:
    """The HTTP server settings of `serve`: httptools' parser (uvicorn's pick when it is
    installed), no access log, our own logging and signals."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        lifespan="on",
        access_log=False,
        timeout_graceful_shutdown=int(grace_s),
    )


def settle_heap() -> None:
    """Call once start-up is done: moves every object made so far (the container, the app;
    the modules were frozen as they were imported, see `cli.main`) out of the garbage
    collector's sight, so that its periodic full passes stop re-scanning them on every
    request burst."""
    gc.collect()
    gc.freeze()
