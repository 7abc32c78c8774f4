"""Webhook delivery: throughput of one worker to a receiver answering in 50 ms, latency
from a commit to the receiver with the worker idle, and 10,000 events across 4 workers
with one killed (`kill -9`) mid-run: none lost, duplicates counted."""

from __future__ import annotations

import asyncio
import json
import time

from bench.support import Context, Goal, Section, database, fmt_ms, quantile, table
from bench.webhooks_support import arrivals, arrived, receiver, seed, until

NAME = "webhooks"
TITLE = "Webhook delivery"
ENDPOINTS = 32  # 4 in flight per endpoint: one endpoint alone tops out at 4 / 50 ms = 80/s
KILLED_HOLDS_AT_MOST = 128  # the default WEBHOOK_CONCURRENCY: what one worker has in flight


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
                killed_at = time.time()
                seeded.kill(0)
                done = await until(lambda: _none_pending(seeded), 300, 0.2)
            finally:
                seeded.stop_workers()
                pending = await seeded.pending()
                await seeded.close()
            seen = await arrivals(url)
    times: dict[str, list[float]] = {}
    for entry in seen:
        times.setdefault(json.loads(entry["body"])["id"], []).append(entry["arrived_at"])
    repeats = {event: sorted(at) for event, at in times.items() if len(at) > 1}
    # Cut off by the kill: sent by the killed worker before it died (first arrival before
    # the kill) and sent once more after its lease expired (every repeat after the kill).
    cut_off = [at for at in repeats.values() if at[0] <= killed_at < at[1]]
    return {
        "events": count,
        "delivered": len(times),
        "duplicates": sum(len(at) - 1 for at in repeats.values()),
        "cut_off": sum(len(at) - 1 for at in cut_off),
        "other_duplicates": sum(len(at) - 1 for at in repeats.values() if at not in cut_off),
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
            f"{killed['delivered']:.0f}/{killed['events']:.0f}",
            f"{killed['duplicates']:.0f} ({killed['cut_off']:.0f})",
            f"{killed['pending']:.0f}", f"{killed['seconds']:.0f}",
        ])  # fmt: skip
        goals += [
            Goal(f"webhooks, one worker, 50 ms receiver ({kind})", ">= 500 events/s",
                 f"{rate:.0f}/s", rate >= 500),
            Goal(f"webhooks, commit to arrival, idle worker ({kind})", "p99 <= 1 s",
                 f"{fmt_ms(p99)} ms", p99 <= 1000),
            Goal(f"webhooks, 4 workers, one kill -9 ({kind})",
                 "none lost; duplicates only of attempts the kill cut off",
                 f"{killed['delivered']:.0f} of {killed['events']:.0f}, "
                 f"{killed['duplicates']:.0f} duplicates, {killed['other_duplicates']:.0f} "
                 "not cut off by the kill",
                 killed["delivered"] == killed["events"] and killed["pending"] == 0
                 and killed["other_duplicates"] == 0
                 and killed["cut_off"] <= KILLED_HOLDS_AT_MOST),
        ]  # fmt: skip
    body = table(
        ["db", "events/s", "arrived", "p50 ms", "p99 ms", "samples", "delivered after kill",
         "duplicates (cut off by the kill)", "left pending", "s"],
        rows,
    )  # fmt: skip
    body += (
        f"\n\n{ENDPOINTS} endpoints (one per workspace) on one receiver process; events spread"
        " evenly. Latency: one event committed every 20-80 ms, the arrival time taken by the"
        " receiver. Kill: the first of 4 workers gets SIGKILL once a third has arrived; its"
        " leases (3 s) expire and the attempts it held are made again. Those it had sent"
        " before it died arrive twice: the duplicates, at most one per delivery it held"
        f" (WEBHOOK_CONCURRENCY, {KILLED_HOLDS_AT_MOST}). A duplicate whose first copy came"
        " after the kill, or whose copies all came before it, would be a live worker's"
        " attempt sent twice; there must be none."
    )
    return Section(TITLE, body, goals)
