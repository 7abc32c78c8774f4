"""Closed-loop HTTP load from a separate process: wrk when it is installed, else an async
httpx client (`python -m bench.load URL ...`), which is slower and so caps what it can show.

Both keep `connections` keep-alive connections busy for `seconds` and report requests,
p50/p99 latency and errors (transport failures and non-2xx answers).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.support import Pinning, quantile

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_report.lua"
MARK = "BENCH_JSON "


@dataclass(frozen=True)
class LoadResult:
    tool: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    status_errors: int = 0  # of `errors`: answers with a status of 400 or more (wrk only)
    # wrk only: the whole line its script printed, for what a script reports beyond these.
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def tool() -> str:
    if shutil.which("wrk") and not os.environ.get("OPENPOST_BENCH_NO_WRK"):
        return "wrk"
    return "httpx"


def run_load(
    url: str,
    *,
    headers: dict[str, str],
    connections: int,
    seconds: int,
    pin: Pinning,
    script: Path | None = None,
    script_env: dict[str, str] | None = None,
) -> LoadResult:
    """`script` (wrk only: another Lua script, which ends by running wrk_report.lua, found
    through OPENPOST_WRK_REPORT) makes the requests, configured by `script_env`."""
    env = None
    if script is not None:
        if tool() != "wrk":
            raise RuntimeError("a request script needs wrk")
        env = {**os.environ, **(script_env or {}), "OPENPOST_WRK_REPORT": str(WRK_SCRIPT)}
    if tool() == "wrk":
        lua = script or WRK_SCRIPT
        argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(lua)]
        for name, value in headers.items():
            argv += ["-H", f"{name}: {value}"]
        argv.append(url)
    else:
        argv = [sys.executable, "-m", "bench.load", url, "-c", str(connections), "-d", str(seconds)]
        for name, value in headers.items():
            argv += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        [*pin.load, *argv],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
        env=env,
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith(MARK)), None)
    if line is None:
        raise RuntimeError(f"load generator failed: {done.stdout[-1000:]} {done.stderr[-1000:]}")
    raw = json.loads(line[len(MARK) :])
    if tool() == "wrk":
        errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout"))
        return LoadResult(
            "wrk",
            raw["requests"],
            raw["duration_us"] / 1e6,
            raw["p50_us"] / 1000,
            raw["p99_us"] / 1000,
            errors,
            raw["status"],
            raw,
        )
    return LoadResult(
        "httpx", raw["requests"], raw["seconds"], raw["p50_ms"], raw["p99_ms"], raw["errors"]
    )


async def _generate(
    url: str, headers: dict[str, str], connections: int, seconds: float
) -> dict[str, object]:
    """One client (one keep-alive connection) per simulated user: a shared httpx pool
    serialises the users on its lock and caps the load far below the server's."""
    import httpx

    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    deadline = started + seconds

    async def one_connection() -> None:
        nonlocal errors
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(limits=limits, headers=headers, timeout=10) as client:
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                try:
                    answer = await client.get(url)
                    ok = 200 <= answer.status_code < 300
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - sent)
                errors += not ok

    await asyncio.gather(*(one_connection() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "p50_ms": quantile(latencies, 0.50) * 1000,
        "p99_ms": quantile(latencies, 0.99) * 1000,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("url")
    parser.add_argument("-c", "--connections", type=int, default=64)
    parser.add_argument("-d", "--seconds", type=float, default=10)
    parser.add_argument("-H", "--header", action="append", default=[])
    args = parser.parse_args()
    headers = dict(h.split(": ", 1) for h in args.header)
    result = asyncio.run(_generate(args.url, headers, args.connections, args.seconds))
    print(MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
