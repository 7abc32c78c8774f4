"""(e) Publishing: real `openpost worker` processes publish due targets to X through the
app's own gateway, pointed (TWITTER_API_URL) at `bench.fake_platform`, which answers every
post after 50 ms and records when each arrived.

Per database: SQLite with one worker (one writer, see docs/decisions.md), PostgreSQL with
one and with four. The workers start first; then, per scenario, the targets are inserted in
one transaction:
- burst: 1,000 targets a worker due at once (4,000 for four: a thousand spread over four
  workers is some 0.3 s of work, less than one idle worker's poll interval, so when each
  worker first polled weighed more than how fast they publish) -> targets/s from the
  first receipt at the platform to the last receipt, and to the last target marked
  published in the database;
- spread: 1,000 targets scheduled evenly over 20 s, from shortly after the insert ->
  scheduling lag, the platform's receipt time minus `scheduled_at`.
Every run checks that each target reached the platform exactly once and ended `published`.
(Quick: a burst of 100 a worker and 200 over 4 s; SQLite with one worker, PostgreSQL with
two.)
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import os
import sys
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.publish_results import Run, collect
from bench.publish_support import (
    ACCOUNTS,
    Accounts,
    Scenario,
    Worker,
    insert_posts,
    seed_accounts,
    settle,
)
from bench.support import (
    Context,
    Database,
    Goal,
    Section,
    Server,
    database,
    free_port,
    openpost_argv,
    quantile,
    table,
)
from entrypoints.settings import Settings

NAME = "publish"
TITLE = "Publishing: due targets against a platform answering in 50 ms"
LATENCY_MS = 50
THROUGHPUT_GOAL = 1_000.0  # one worker: 78% of the 1,280/s that 64 in flight allow
SCALED_GOAL = (4, 3_000.0)  # workers on PostgreSQL, targets/s
LAG_GOAL_S = 1.0
LEAD_S = 1.0  # from the insert to the first scheduled time of a spread
WARM_UP = 16  # targets per worker published before measuring (first requests, imports)
# The first worker to poll may claim a whole warm-up round (a claim takes up to 112): the
# round is repeated until every worker has published, at most this many times.
WARM_ROUNDS = 10
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Plan:
    burst: int  # a worker
    spread: int
    span_s: float
    workers: dict[str, tuple[int, ...]]


FULL = Plan(1_000, 1_000, 20.0, {"sqlite": (1,), "postgres": (1, 4)})
# CI smoke, in about 22 s: one worker on SQLite; on PostgreSQL two, so that claims that must
# not overlap are exercised.
QUICK = Plan(100, 200, 4.0, {"sqlite": (1,), "postgres": (2,)})


def start_platform(ctx: Context, stack: ExitStack) -> Server:
    """The fake platform, on the load generator's CPU (the workers get the server's)."""
    home = ctx.workdir / "platform"
    home.mkdir(exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    port = free_port()
    argv = [sys.executable, "-m", "bench.fake_platform", "--port", str(port)]
    argv += ["--latency-ms", str(LATENCY_MS)]
    pin = dataclasses.replace(ctx.pin, server=ctx.pin.load)
    return stack.enter_context(Server(argv, env=env, cwd=home, pin=pin, port=port))


class Bench:
    """One database's accounts, the platform, and the workers' settings."""

    def __init__(self, ctx: Context, db: Database, accounts: Accounts, http: httpx.AsyncClient):
        self.ctx, self.db, self.accounts, self.http = ctx, db, accounts, http
        self.env = dict(db.env)
        self.env["OPENPOST_TWITTER_CLIENT_ID"] = "bench-client"
        self.env["OPENPOST_TWITTER_API_URL"] = str(http.base_url).rstrip("/")
        self.numbers = itertools.count(1)

    async def with_workers(self, plan: Plan, count: int) -> list[Run]:
        kind = self.db.kind
        tag = f"{kind}-{count}w"
        # One worker gets the server's CPU, as `serve` does in the HTTP runs; several share
        # both CPUs (with PostgreSQL and the platform), which is what scaling out can use here.
        pin = self.ctx.pin.server if count == 1 else []
        workers = [
            Worker(f"worker-{next(self.numbers)}", self.env, self.db.home, pin)
            for _ in range(count)
        ]
        scenarios = [
            Scenario(f"{tag}-burst", kind, count, "burst", plan.burst * count),
            Scenario(f"{tag}-spread", kind, count, "spread", plan.spread, plan.span_s, LEAD_S),
        ]
        runs = []
        try:
            started = await asyncio.gather(*(w.start(openpost_argv("worker")) for w in workers))
            self.ctx.log(f"{count} worker(s) on {kind} started in {max(started):.1f} s")
            warmed = await self.warm_up(tag, count, workers)
            for scenario in scenarios:
                self.ctx.log(f"publish on {kind}, {count} worker(s): {scenario.describe()}")
                runs.append(await self.scenario(scenario, workers))
        finally:
            for worker in workers:
                worker.stop()
        runs[0].errors += warmed.errors
        runs[0].problems += warmed.problems
        problems = sum(w.problems() for w in workers)
        if problems:
            runs[-1].problems.append(f"{tag}: {problems} warning/error lines in the workers' logs")
        return runs

    async def warm_up(self, tag: str, count: int, workers: list[Worker]) -> Run:
        """Rounds of `WARM_UP` targets a worker until each worker has published some (its
        first requests made, its connections opened and their statements prepared); one
        round's run, with every round's errors."""
        warmed: Run | None = None
        for n in range(WARM_ROUNDS):
            warm = Scenario(f"{tag}-warm{n}", self.db.kind, count, "burst", WARM_UP * count)
            found = await self.scenario(warm, workers)
            if warmed is None:
                warmed = found
            else:
                warmed.errors += found.errors
                warmed.problems += found.problems
            if all(w.published() for w in workers):
                break
        else:
            self.ctx.log(f"{tag}: some workers published nothing in {WARM_ROUNDS} warm-up rounds")
        assert warmed is not None
        return warmed

    async def scenario(self, scenario: Scenario, workers: list[Worker]) -> Run:
        (await self.http.post("/_bench/reset")).raise_for_status()
        cpu_before = sum(w.cpu_s() for w in workers)
        times = scenario.schedule(datetime.now(UTC))
        inserted = await insert_posts(self.accounts, scenario.label, times)
        late = inserted.committed_at - times[0].timestamp()
        if scenario.shape == "spread" and late > 0:
            self.ctx.log(
                f"{scenario.label}: the insert ended {late:.2f} s after the first due time"
            )
        if not await settle(self.db, scenario.label, scenario.deadline_s):
            self.ctx.log(f"{scenario.label}: targets still unsettled after the deadline")
        answer = await self.http.get("/_bench/receipts")
        answer.raise_for_status()
        cpu_s = sum(w.cpu_s() for w in workers) - cpu_before
        found = await collect(scenario, self.accounts, inserted, answer.json())
        found.cpu_ms_per_target = cpu_s * 1000 / scenario.count
        return found


async def run(ctx: Context) -> Section:
    plan = QUICK if ctx.quick else FULL
    runs: list[Run] = []
    with ExitStack() as servers:
        platform = start_platform(ctx, servers)
        async with httpx.AsyncClient(base_url=platform.base_url, timeout=10) as http:
            for kind in ctx.databases:
                async with AsyncExitStack() as stack:
                    db = await stack.enter_async_context(database(kind, ctx.workdir))
                    ctx.log(f"publish on {kind}: seeding {ACCOUNTS} X accounts")
                    bench = Bench(ctx, db, await seed_accounts(db, stack), http)
                    for count in plan.workers[kind]:
                        runs += await bench.with_workers(plan, count)
    return report(ctx, runs)


def report(ctx: Context, runs: list[Run]) -> Section:
    rows, goals, errors = [], [], 0
    for r in runs:
        s, errors = r.scenario, errors + r.errors
        burst = s.shape == "burst"
        p50, p99 = quantile(r.lags, 0.5), quantile(r.lags, 0.99)
        rows.append(
            [
                s.database,
                s.workers,
                s.describe(),
                f"{r.pickup_s:.2f}" if burst else "-",
                f"{r.platform_rate:,.0f}" if burst else "-",
                f"{r.completion_rate:,.0f}" if burst else "-",
                f"{p50:.3f}",
                f"{p99:.3f}",
                f"{r.lags[-1]:.3f}" if r.lags else "-",
                r.peak_in_flight,
                f"{r.cpu_ms_per_target:.1f}",
                r.errors,
            ]
        )
        where = f"{s.database}, {s.workers} worker{'s' if s.workers > 1 else ''}"
        wanted = THROUGHPUT_GOAL if s.workers == 1 else None
        if s.database == "postgres" and s.workers == SCALED_GOAL[0]:
            wanted = SCALED_GOAL[1]
        if burst and wanted is not None:
            goals.append(
                Goal(
                    f"publishing on {where}: {s.describe()}",
                    f">= {wanted:,.0f} targets/s",
                    f"{r.completion_rate:,.0f} targets/s",
                    r.completion_rate >= wanted,
                )
            )
        if not burst:
            goals.append(
                Goal(
                    f"scheduling lag p99 on {where}: {s.describe()}",
                    f"<= {LAG_GOAL_S:.0f} s",
                    f"{p99:.3f} s",
                    p99 <= LAG_GOAL_S,
                )
            )
    goals.append(
        Goal(
            "publishing: targets missing, sent twice or unpublished", "0", str(errors), errors == 0
        )
    )
    problems = [f"- {p}" for r in runs for p in r.problems]
    body = "\n".join(
        [
            "`openpost worker` processes with their defaults (WORKER_CONCURRENCY "
            f"{Settings().worker_concurrency}); one worker pinned like the servers "
            f"({ctx.pin.description}), several unpinned; the fake platform on the load "
            f"generator's CPU answers each post after {LATENCY_MS} ms. {ACCOUNTS} X accounts in one live workspace, one target a post; each set of "
            f"workers first publishes rounds of {WARM_UP} targets a worker until every worker "
            "has published some (one worker may claim a whole round), not counted. *pickup*: from "
            "the insert's commit to the first receipt at the platform. *to platform*: "
            "targets/s from the first receipt to the last; *to published*: from the first "
            "receipt until the last target is marked published in the database (the goal). "
            "*lag*: receipt at the platform minus `scheduled_at`, in seconds. *peak*: most "
            "posts the platform was answering at once. *CPU ms/target*: the workers' CPU time "
            "(user + system) over the run, per target. *errors*: targets missing at the "
            "platform, received twice, received unasked, or not `published`.",
            "",
            table(
                [
                    "database",
                    "workers",
                    "targets",
                    "pickup s",
                    "to platform /s",
                    "to published /s",
                    "lag p50 s",
                    "lag p99 s",
                    "lag max s",
                    "peak",
                    "CPU ms/target",
                    "errors",
                ],
                rows,
            ),
            *(["", *problems] if problems else []),
        ]
    )
    return Section(TITLE, body, goals)
