"""Workers, one burst: for before/after comparisons of the publisher, outside the report.

`PYTHONPATH=<tree>/src:. python -m bench.publish_burst --db sqlite --count 1000` serves the
workers from whichever source tree comes first on PYTHONPATH (the other pieces, the fake
platform included, are this checkout's), so several trees can be run in turn on the same
machine. Prints targets/s from the first receipt at the platform to the last, and the
workers' CPU per target. `--concurrency N` overrides the tree's WORKER_CONCURRENCY default;
`--workers N` runs N workers (one is pinned to the server's CPU, several are not, as in
`bench/publish.py`); `--profile FILE` runs a single worker under cProfile and writes its
profile (of the whole process, start-up included) to FILE.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from contextlib import AsyncExitStack, ExitStack
from pathlib import Path

import httpx

from bench.publish import Bench, start_platform
from bench.publish_support import Scenario, Worker, seed_accounts
from bench.support import Context, database, openpost_argv, pinning

WARM_UP = 32


async def burst(
    kind: str, count: int, concurrency: int | None, workers: int, profile: Path | None
) -> str:
    with tempfile.TemporaryDirectory(prefix="openpost-burst-") as workdir:
        ctx = Context(quick=False, workdir=Path(workdir), databases=[kind], pin=pinning())
        with ExitStack() as servers:
            platform = start_platform(ctx, servers)
            async with (
                httpx.AsyncClient(base_url=platform.base_url, timeout=10) as http,
                AsyncExitStack() as stack,
            ):
                db = await stack.enter_async_context(database(kind, ctx.workdir))
                bench = Bench(ctx, db, await seed_accounts(db, stack), http)
                if concurrency is not None:
                    bench.env["OPENPOST_WORKER_CONCURRENCY"] = str(concurrency)
                argv = openpost_argv("worker")
                if profile is not None:
                    out = str(profile.resolve())
                    argv = [sys.executable, "-m", "cProfile", "-o", out, "-m", "entrypoints.cli"]
                    argv.append("worker")
                pin = ctx.pin.server if workers == 1 else []
                running = [Worker(f"worker-{n}", bench.env, db.home, pin) for n in range(workers)]
                try:
                    await asyncio.gather(*(w.start(argv) for w in running))
                    warm = Scenario("warm", kind, workers, "burst", WARM_UP * workers)
                    await bench.scenario(warm, running)
                    run = await bench.scenario(
                        Scenario("burst", kind, workers, "burst", count), running
                    )
                finally:
                    for worker in running:
                        worker.stop()
    span = max(run.receipts) - min(run.receipts)
    return (
        f"{kind}, {workers} worker(s): {len(run.receipts)} receipts in {span:.2f} s"
        f" = {len(run.receipts) / span:.0f}/s; to published {run.completion_rate:.0f}/s;"
        f" worker CPU {run.cpu_ms_per_target:.2f} ms/target; peak in flight"
        f" {run.peak_in_flight}; errors {run.errors}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.publish_burst", description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--concurrency", type=int)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    if args.profile is not None and args.workers != 1:
        parser.error("--profile runs one worker")
    print(asyncio.run(burst(args.db, args.count, args.concurrency, args.workers, args.profile)))


if __name__ == "__main__":
    main()
