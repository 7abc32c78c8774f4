"""One worker, one burst: for before/after comparisons of the publisher, outside the report.

`PYTHONPATH=<tree>/src:. python -m bench.publish_burst --db sqlite --count 1000` serves the
worker from whichever source tree comes first on PYTHONPATH (the other pieces, the fake
platform included, are this checkout's), so several trees can be run in turn on the same
machine. Prints targets/s from the first receipt at the platform to the last, and the
worker's CPU per target. `--concurrency N` overrides the tree's WORKER_CONCURRENCY default.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from contextlib import AsyncExitStack, ExitStack
from pathlib import Path

import httpx

from bench.publish import Bench, start_platform
from bench.publish_support import Scenario, Worker, seed_accounts
from bench.support import Context, database, openpost_argv, pinning

WARM_UP = 32


async def burst(kind: str, count: int, concurrency: int | None) -> str:
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
                worker = Worker("worker", bench.env, db.home, ctx.pin.server)
                await worker.start(openpost_argv("worker"))
                try:
                    await bench.scenario(Scenario("warm", kind, 1, "burst", WARM_UP), [worker])
                    run = await bench.scenario(Scenario("burst", kind, 1, "burst", count), [worker])
                finally:
                    worker.stop()
    span = max(run.receipts) - min(run.receipts)
    return (
        f"{kind}: {len(run.receipts)} receipts in {span:.2f} s = {len(run.receipts) / span:.0f}/s;"
        f" worker CPU {run.cpu_ms_per_target:.2f} ms/target; errors {run.errors}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.publish_burst", description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--concurrency", type=int)
    args = parser.parse_args()
    print(asyncio.run(burst(args.db, args.count, args.concurrency)))


if __name__ == "__main__":
    main()
