"""Webhook delivery: throughput of one worker to a receiver answering in 50 ms, latency
from a commit to the receiver with the worker idle, and 10,000 events across 4 workers
with one killed (`kill -9`) mid-run: none lost, duplicates counted."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter

from bench.support import Context, Goal, Section, database, fmt_ms, quantile, table
from bench.webhooks_support import arrivals, arrived, receiver, seed, until

NAME = "webhooks"
TITLE = "Webhook delivery"
ENDPOINTS = 32  # 4 in flight per endpoint: one endpoint alone tops out at 4 / 50 ms = 80/s


async def throughput(ctx: Context, kind: str, count: int) -> tuple[float, int]:
    with receiver() as url:
        async with database(kind, ctx.workdir) as db:
            seeded = await seed(db, url, ENDPOINTS, "/delay/50")
            try:
                await seeded.commit_events(count)
                seeded.start_workers(1, db.home, ctx.pin.server)
                await until(lambda: _arrived(url, count), 120 + count / 100)
            finally:
                seeded.stop_workers()
                await seeded.close()
            seen = await arrivals(url)
    times = sorted(entry["arrived_at"] for entry in seen)
    span = times[-1] - times[0]
    return (len(times) - 1) / span if span > 0 else float("nan"), len(times)


async def latency(ctx: Context, kind: str, count: int) -> list[float]:
    with receiver() as url:
        async with database(kind, ctx.workdir) as db:
            seeded = await seed(db, url, ENDPOINTS, "/ok")
            committed: dict[str, float] = {}
            try:
                seeded.start_workers(1, db.home, ctx.pin.server)
                await seeded.commit_one(-1)
                await until(lambda: _arrived(url, 1), 60)
                for n in range(count):
                    event_id, at = await seeded.commit_one(n)
                    committed[event_id] = at
                    await asyncio.sleep(0.02 + (n % 7) * 0.01)  # the worker idles between
                await until(lambda: _arrived(url, count + 1), 60)
            finally:
                seeded.stop_workers()
                await seeded.close()
            seen = await arrivals(url)
    first: dict[str, float] = {}
    for entry in seen:
        first.setdefault(entry["headers"]["webhook-id"], entry["arrived_at"])
    return sorted((first[e] - at) * 1000 for e, at in committed.items() if e in first)


async def kill_one(ctx: Context, kind: str, count: int) -> dict[str, float]:
    with receiver() as url:
        async with database(kind, ctx.workdir) as db:
            seeded = await seed(
                db, url, ENDPOINTS, "/ok", OPENPOST_WEBHOOK_LEASE_S="3",
                OPENPOST_WEBHOOK_TIMEOUT_S="2",
            )  # fmt: skip
            started = time.monotonic()
            try:
                await seeded.commit_events(count)
                seeded.start_workers(4, db.home, ctx.pin.server)
                await until(lambda: _arrived(url, count // 3), 300, 0.05)
                seeded.kill(0)
                done = await until(lambda: _none_pending(seeded), 300, 0.2)
            finally:
                seeded.stop_workers()
                pending = await seeded.pending()
                await seeded.close()
            seen = await arrivals(url)
    ids = Counter(json.loads(entry["body"])["id"] for entry in seen)
    return {
        "events": count,
        "delivered": len(ids),
        "duplicates": sum(n - 1 for n in ids.values()),
        "pending": pending,
        "done": float(done),
        "seconds": time.monotonic() - started,
    }


async def _arrived(url: str, count: int) -> bool:
    return await arrived(url) >= count


async def _none_pending(seeded: object) -> bool:
    return await seeded.pending() == 0  # type: ignore[attr-defined,no-any-return]


async def run(ctx: Context) -> Section:
    counts = (1_000, 100, 2_000) if ctx.quick else (5_000, 300, 10_000)
    goals, rows = [], []
    for kind in ctx.databases:
        ctx.log(f"webhooks on {kind}: throughput, {counts[0]} events, 1 worker, 50 ms receiver")
        rate, seen = await throughput(ctx, kind, counts[0])
        ctx.log(f"webhooks on {kind}: commit-to-arrival, {counts[1]} events, idle worker")
        latencies = await latency(ctx, kind, counts[1])
        ctx.log(f"webhooks on {kind}: {counts[2]} events, 4 workers, one kill -9")
        killed = await kill_one(ctx, kind, counts[2])
        p50, p99 = quantile(latencies, 0.5), quantile(latencies, 0.99)
        rows.append([
            kind, f"{rate:.0f}", seen, fmt_ms(p50), fmt_ms(p99), len(latencies),
            f"{killed['delivered']:.0f}/{killed['events']:.0f}", f"{killed['duplicates']:.0f}",
            f"{killed['pending']:.0f}", f"{killed['seconds']:.0f}",
        ])  # fmt: skip
        goals += [
            Goal(f"webhooks, one worker, 50 ms receiver ({kind})", ">= 500 events/s",
                 f"{rate:.0f}/s", rate >= 500),
            Goal(f"webhooks, commit to arrival, idle worker ({kind})", "p99 <= 1 s",
                 f"{fmt_ms(p99)} ms", p99 <= 1000),
            Goal(f"webhooks, 4 workers, one kill -9 ({kind})", "none lost",
                 f"{killed['delivered']:.0f} of {killed['events']:.0f}, "
                 f"{killed['duplicates']:.0f} duplicates",
                 killed["delivered"] == killed["events"] and killed["pending"] == 0),
        ]  # fmt: skip
    body = table(
        ["db", "events/s", "arrived", "p50 ms", "p99 ms", "samples", "delivered after kill",
         "duplicates", "left pending", "s"],
        rows,
    )  # fmt: skip
    body += (
        f"\n\n{ENDPOINTS} endpoints (one per workspace) on one receiver process; events spread"
        " evenly. Latency: one event committed every 20-80 ms, the arrival time taken by the"
        " receiver. Kill: the first of 4 workers gets SIGKILL once a third has arrived; its"
        " leases (3 s) expire and the attempts it held are made again (the duplicates)."
    )
    return Section(TITLE, body, goals)
