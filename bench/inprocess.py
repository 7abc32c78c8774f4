"""CPU per request with no network: the ASGI app driven directly, alternating with the bare
app, the minimum of several rounds (less disturbed by a busy machine than wrk runs).

`python -m bench.inprocess [--path /v1/integrations] [--log-level INFO] [--rounds 7]
[--metrics]` serves a throwaway SQLite database seeded like the HTTP benchmark
(`bench.seed`). With `PYTHONPATH=<other checkout>/src:.` it measures another source tree on
the same harness. `--metrics` also drives the same app with `/metrics` on (and a
METRICS_DIR: multiprocess mode), in the same rounds, for what counting costs a request.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from bench.bare_app import GET, LIST, NEXT_SLOT, create_bare_app
from bench.seed import seed_workspace
from entrypoints.http.app import create_app
from entrypoints.logs import configure_logging
from entrypoints.settings import load_settings


async def per_request_us(app: Any, path: str, key: str, count: int) -> float:
    headers = [(b"host", b"bench"), (b"authorization", f"Bearer {key}".encode())]
    statuses: set[int] = set()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.add(message["status"])

    started = time.perf_counter()
    for _ in range(count):
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": b"", "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {},
        }  # fmt: skip
        await app(scope, receive, send)
    elapsed = time.perf_counter() - started
    if statuses != {200}:
        raise RuntimeError(f"answers other than 200: {statuses}")
    return elapsed / count * 1e6


async def started(app: Any) -> tuple[asyncio.Queue[dict[str, Any]], asyncio.Task[None]]:
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, inbox.get, outbox.put))
    if (await outbox.get())["type"] != "lifespan.startup.complete":
        raise RuntimeError("the app did not start")
    return inbox, task


async def main(args: argparse.Namespace) -> None:
    home = Path(tempfile.mkdtemp(prefix="openpost-inprocess-"))
    env = {
        "OPENPOST_DATABASE_URL": f"sqlite+aiosqlite:///{home / 'bench.db'}",
        "OPENPOST_SECRET_KEY": Fernet.generate_key().decode(),
        "OPENPOST_RATE_LIMIT": "1000000000/minute",
        "OPENPOST_LOG_LEVEL": args.log_level,
    }
    seeded = await seed_workspace(env)
    settings = load_settings(env, dotenv=None)
    configure_logging(settings.log_level, settings.log_format)
    app = create_app(settings)
    inbox, task = await started(app)
    counted, counted_started = None, None
    if args.metrics:
        on = {**env, "OPENPOST_METRICS_ENABLED": "true", "OPENPOST_METRICS_DIR": str(home / "m")}
        counted = create_app(load_settings(on, dotenv=None))
        counted_started = await started(counted)
        await per_request_us(counted, args.path, seeded.api_key, 500)
    path = args.path.replace("{id}", str(seeded.busy_integration_id))
    bare = create_bare_app({LIST: b"[]", GET: b"{}", NEXT_SLOT: b"{}"})
    bare_path = NEXT_SLOT.replace("{integration_id:str}", "x") if "next-slot" in path else LIST
    await per_request_us(app, path, seeded.api_key, 500)
    await per_request_us(bare, bare_path, "", 500)
    served, ceiling, with_metrics = [], [], []
    for _ in range(args.rounds):
        served.append(await per_request_us(app, path, seeded.api_key, args.requests))
        ceiling.append(await per_request_us(bare, bare_path, "", args.requests))
        if counted is not None:
            with_metrics.append(await per_request_us(counted, path, seeded.api_key, args.requests))
    print(f"{path}: service {min(served):.1f} us, bare Litestar {min(ceiling):.1f} us a request")
    if with_metrics:
        ratio = min(served) / min(with_metrics)
        print(f"  with /metrics on: {min(with_metrics):.1f} us a request; throughput {ratio:.3f} of off")
    for queue, running in [(inbox, task), *([counted_started] if counted_started else [])]:
        await queue.put({"type": "lifespan.shutdown"})
        await running


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__)
    parser.add_argument("--path", default="/v1/integrations", help="{id}: the busy integration")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--metrics", action="store_true", help="also with /metrics on")
    asyncio.run(main(parser.parse_args()))
