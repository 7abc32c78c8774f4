"""(e) Next-slot latency with a queue: the measured integration of `scale` gets a queue of
35 slots a week in America/New_York, then FindNextSlot is timed with 100 posts in the
database versus 1,000,000 post targets (quick: 100,000), on SQLite and PostgreSQL, loaded
exactly as `scale` loads them (bulk rows, the app's migrations)."""

from __future__ import annotations

from contextlib import AsyncExitStack

from application.set_queue import QueueSlotsInput, SetQueue, SetQueueCommand
from bench.scale import BUSY, Loaded, alternate, load
from bench.support import Context, Goal, Section, database, fmt_ms, table
from domain.queue import DAYS

NAME = "queue_scale"
TITLE = "Next-slot latency at scale, with a queue"
TIMES = ["08:00", "10:00", "12:30", "15:00", "18:00"]


async def set_queue(loaded: Loaded) -> None:
    command = SetQueueCommand(
        loaded.workspace,
        loaded.integration,
        "America/New_York",
        [QueueSlotsInput(DAYS, TIMES)],
    )
    async with loaded.container() as scope:
        await (await scope.get(SetQueue)).execute(command)


async def run(ctx: Context) -> Section:
    big = 100_000 if ctx.quick else 1_000_000
    pairs: list[tuple[Loaded, Loaded]] = []
    for kind in ctx.databases:
        async with AsyncExitStack() as stack:
            loaded = []
            for targets in (BUSY, big):
                ctx.log(f"queue scale on {kind}: loading {targets:,} post targets")
                db = await stack.enter_async_context(database(kind, ctx.workdir))
                one = await load(db, targets, stack)
                await set_queue(one)
                loaded.append(one)
            ctx.log(f"queue scale on {kind}: timing")
            await alternate(loaded[0], loaded[1], 200 if ctx.quick else 1_000)
            pairs.append((loaded[0], loaded[1]))
    rows, goals = [], []
    for small, large in pairs:
        kind = small.db.kind
        ratio = large.median_ms() / small.median_ms()
        for r in (small, large):
            rows.append(
                [
                    kind,
                    f"{r.targets:,}",
                    fmt_ms(r.median_ms()),
                    fmt_ms(r.p99_ms()),
                    f"{r.median_ms() / small.median_ms():.2f}",
                ]
            )
        goals.append(
            Goal(
                f"next-slot with a queue on {kind}: {big:,} vs 100 targets",
                "<= 1.5",
                f"{ratio:.2f}",
                ratio <= 1.5,
            )
        )
    body = "\n".join(
        [
            "The FindNextSlot use case in-process with a queue of 35 slots a week (one DI "
            "scope, one unit of work, three queries, the queue's sweep), called alternately "
            "on the two databases.",
            "",
            table(["database", "post targets", "median ms", "p99 ms", "vs 100"], rows),
        ]
    )
    return Section(TITLE, body, goals)
