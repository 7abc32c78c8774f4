"""(m) A mixed load against one `openpost serve --no-worker` per database: 64 connections,
90% reads spread over `GET /v1/integrations`, `/v1/integrations/{id}`, its `next-slot`,
`GET /v1/posts` and `/v1/posts/{id}`; 10% writes (`POST /v1/posts` at an explicit time or
at `"next_slot"`, and cancels of posts the run created). See `bench/mixed.lua`.

Beside the load, a client on its own connection writes and at once reads back what it
wrote, over and over, on an integration nobody else writes to: the post by id, the list
filtered on that integration, next-slot after reserving a slot and after canceling it. Any
answer that does not show the acknowledged write is counted stale.

Afterwards the database must hold exactly the posts that were answered 201 (plus the
seeded ones): nothing lost, nothing made behind an error. With `--baseline`, another
source tree serves its own copy of the same seeded database, and the rounds alternate
between the two servers."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from bench.load import run_load
from bench.seed import Seeded, seed_workspace
from bench.support import (
    Context,
    Database,
    Goal,
    Section,
    Server,
    count_posts,
    database,
    fmt_ms,
    serve,
    table,
)

NAME = "mixed"
TITLE = "Mixed load: 90% reads, 10% writes, and reads after writes"
CONNECTIONS = 64
SCRIPT = Path(__file__).resolve().parent / "mixed.lua"
ROOT = SCRIPT.parent.parent
SEEDED_POSTS = 150
TAIL_GOAL = 5.0


@dataclass
class Stale:
    """What the read-your-writes client saw."""

    rounds: int = 0
    reads: int = 0
    created: int = 0
    canceled: int = 0
    stale: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class Round:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    created: int
    by_status: dict[str, int]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Target:
    label: str
    db: Database
    seeded: Seeded
    server: Server
    script: Path
    rounds: list[Round] = field(default_factory=list)
    checks: list[Stale] = field(default_factory=list)
    warmup_created: int = 0
    in_database: int = 0

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.seeded.api_key}"}


def _lua_list(values: list[str]) -> str:
    return "{" + ", ".join(f'"{v}"' for v in values) + "}"


def write_script(target_dir: Path, seeded: Seeded, post_ids: list[str], seed: int) -> Path:
    """The load script with this database's ids above it; the last integration is left to
    the read-your-writes client."""
    ids = [str(i) for i in seeded.integration_ids]
    busy = str(seeded.busy_integration_id)
    others = [i for i in ids[:-1] if i != busy]
    header = "\n".join(
        [
            f'KEY = "{seeded.api_key}"',
            f"SEED = {seed}",
            f"INTEGRATIONS = {_lua_list(ids)}",
            f'BUSY = "{busy}"',
            f"WRITABLE = {_lua_list([busy, *others])}",
            f"SLOTTED = {_lua_list(others)}",
            f"POSTS = {_lua_list(post_ids)}",
        ]
    )
    path = target_dir / "mixed.lua"
    path.write_text(header + "\n" + SCRIPT.read_text())
    return path


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def read_your_writes(
    base_url: str, headers: dict[str, str], integration_id: str, stop: asyncio.Event
) -> Stale:
    """Creates a post (at the next slot, or at the time next-slot named), then reads it
    back by id, in the filtered list and through next-slot; cancels it and reads again.
    Only this client writes to `integration_id`, so every answer is known in advance."""
    seen = Stale()
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, timeout=30, limits=limits
    ) as client:

        async def call(method: str, path: str, want: int, **kw: Any) -> dict[str, Any] | None:
            answer = await client.request(method, path, **kw)
            seen.reads += method == "GET"
            if answer.status_code != want:
                seen.errors.append(f"{method} {path}: {answer.status_code} {answer.text[:120]}")
                return None
            found: dict[str, Any] = answer.json()
            return found

        slot_path = f"/v1/integrations/{integration_id}/next-slot"
        while not stop.is_set():
            seen.rounds += 1
            ahead = await call("GET", slot_path, 200)
            if ahead is None:
                continue
            named = _moment(ahead["date"])
            explicit = seen.rounds % 2 == 0 and named - datetime.now(UTC) > timedelta(minutes=2)
            when = ahead["date"] if explicit else "next_slot"
            content = f"Read-your-writes post {seen.rounds}"
            body = {"content": content, "integrations": [integration_id], "schedule_at": when}
            post = await call("POST", "/v1/posts", 201, json=body)
            if post is None:
                continue
            seen.created += 1
            post_id, slot = post["id"], _moment(post["scheduled_at"])
            got = await call("GET", f"/v1/posts/{post_id}", 200)
            if got is not None and (
                got["status"] != "scheduled"
                or got["content"] != content
                or _moment(got["scheduled_at"]) != slot
            ):
                seen.stale.append(f"GET /v1/posts/{post_id} after create: {got['status']}")
            listed = await call("GET", f"/v1/posts?integration_id={integration_id}&limit=5", 200)
            if listed is not None and post_id not in [p["id"] for p in listed["data"]]:
                seen.stale.append(f"list after create misses {post_id}")
            after = await call("GET", slot_path, 200)
            if after is not None and _moment(after["date"]) == slot:
                seen.stale.append(f"next-slot after create still names {slot}")
            gone = await call("DELETE", f"/v1/posts/{post_id}", 200)
            if gone is None:
                continue
            seen.canceled += 1
            got = await call("GET", f"/v1/posts/{post_id}", 200)
            if got is not None and got["status"] != "canceled":
                seen.stale.append(f"GET /v1/posts/{post_id} after cancel: {got['status']}")
            freed = await call("GET", slot_path, 200)
            still_ahead = slot - datetime.now(UTC) > timedelta(seconds=90)
            if freed is not None and still_ahead and _moment(freed["date"]) != slot:
                seen.stale.append(f"next-slot after cancel names {freed['date']}, not {slot}")
    return seen


def post_ids(base_url: str, headers: dict[str, str]) -> list[str]:
    answer = httpx.get(f"{base_url}/v1/posts?limit=100", headers=headers, timeout=10)
    answer.raise_for_status()
    return [p["id"] for p in answer.json()["data"]]


SEED_SCRIPT = """
import asyncio, json, sys
from bench.seed import seed_workspace
made = asyncio.run(seed_workspace(json.loads(sys.argv[1]), busy_posts=int(sys.argv[2])))
print(json.dumps([made.api_key, [str(i) for i in made.integration_ids],
                  str(made.busy_integration_id), str(made.workspace_id)]))
"""


async def seed(db: Database, tree: Path | None) -> Seeded:
    """The workspace, made by the tree that serves it: another tree's migrations may stop
    at another revision, and its server refuses a database migrated further."""
    if tree is None:
        return await seed_workspace(db.settings_env(), busy_posts=SEEDED_POSTS)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tree), str(ROOT)])
    argv = [sys.executable, "-c", SEED_SCRIPT, json.dumps(db.settings_env()), str(SEEDED_POSTS)]
    done = await asyncio.to_thread(
        subprocess.run, argv, env=env, capture_output=True, text=True, check=True, timeout=120
    )
    key, integrations, busy, workspace = json.loads(done.stdout.strip().splitlines()[-1])
    return Seeded(UUID(workspace), key, [UUID(i) for i in integrations], UUID(busy))


async def measure(target: Target, ctx: Context, seconds: int) -> Round:
    """One wrk run, with the read-your-writes client alongside for as long as it lasts."""
    stop = asyncio.Event()
    checker = asyncio.create_task(
        read_your_writes(
            target.server.base_url,
            target.headers,
            str(target.seeded.integration_ids[-1]),
            stop,
        )
    )
    try:
        result = await asyncio.to_thread(
            run_load,
            target.server.base_url + "/v1/integrations",
            headers={},
            connections=CONNECTIONS,
            seconds=seconds,
            pin=ctx.pin,
            script=target.script,
        )
    finally:
        stop.set()
        target.checks.append(await checker)
    raw = result.raw
    return Round(
        result.requests,
        result.seconds,
        result.p50_ms,
        result.p99_ms,
        raw["max_us"] / 1000,
        result.errors,
        raw["created"],
        {str(k): v for k, v in raw["by_status"].items()},
    )


async def run(ctx: Context) -> Section:
    rounds, seconds, warmup = (1, 8, 2) if ctx.quick else (3, 10, 3)
    trees: list[tuple[str, Path | None]] = [("serve", None)]
    if ctx.baseline is not None:
        trees.append(("baseline serve", ctx.baseline))
    targets: list[Target] = []
    async with AsyncExitStack() as adbs:
        with ExitStack() as servers:
            for kind in ctx.databases:
                for label, tree in trees:
                    db = await adbs.enter_async_context(database(kind, ctx.workdir))
                    ctx.log(f"seeding {kind} for {label}")
                    seeded = await seed(db, tree)
                    server = serve(ctx, db.env, db.home, servers, tree)
                    headers = {"Authorization": f"Bearer {seeded.api_key}"}
                    ids = post_ids(server.base_url, headers)
                    script = write_script(db.home, seeded, ids, seed=len(targets) + 1)
                    targets.append(Target(label, db, seeded, server, script))
            for target in targets:
                ctx.log(f"{target.db.kind} ({target.label}): warm-up {warmup} s")
                target.warmup_created = (await measure(target, ctx, warmup)).created
            for number in range(rounds):
                for target in targets:
                    ctx.log(f"{target.db.kind} ({target.label}): round {number + 1}, {seconds} s")
                    target.rounds.append(await measure(target, ctx, seconds))
            for target in targets:
                target.in_database = await count_posts(target.db)
    return report(targets, rounds, seconds)


def report(targets: list[Target], rounds: int, seconds: float) -> Section:
    rows, goals, checks = [], [], []
    for target in targets:
        measured = target.rounds
        requests = sum(r.requests for r in measured)
        took = sum(r.seconds for r in measured)
        p50 = statistics.median(r.p50_ms for r in measured)
        p99 = statistics.median(r.p99_ms for r in measured)
        tail = p99 / p50 if p50 else float("inf")
        errors = sum(r.errors for r in measured)
        statuses: dict[str, int] = {}
        for r in measured:
            for status, n in r.by_status.items():
                statuses[status] = statuses.get(status, 0) + n
        # Every run, the warm-up's included, created posts; all of them count.
        acknowledged = SEEDED_POSTS + sum(c.created for c in target.checks)
        acknowledged += sum(r.created for r in measured) + target.warmup_created
        # wrk stops with up to CONNECTIONS requests in flight: creates the server finished
        # after the cut are stored but were never counted. Fewer stored than answered 201
        # is a loss.
        lost = max(0, acknowledged - target.in_database)
        stale = sum(len(c.stale) for c in target.checks)
        check_errors = sum(len(c.errors) for c in target.checks)
        rows.append(
            [
                target.label,
                target.db.kind,
                f"{requests / took:,.0f}",
                fmt_ms(p50),
                fmt_ms(p99),
                f"{tail:.1f}",
                fmt_ms(max(r.max_ms for r in measured)),
                errors,
                ", ".join(f"{k}: {v:,}" for k, v in sorted(statuses.items())),
                f"{target.in_database:,} / {acknowledged:,}",
            ]
        )
        checks.append(
            [
                target.label,
                target.db.kind,
                sum(c.rounds for c in target.checks),
                sum(c.reads for c in target.checks),
                stale,
                check_errors,
                "; ".join(
                    [*(s for c in target.checks for s in c.stale)][:3]
                    + [*(e for c in target.checks for e in c.errors)][:3]
                ),
            ]
        )
        if target.label != "serve":
            continue
        kind = target.db.kind
        goals.append(
            Goal(
                f"mixed on {kind}: p99 / p50", f"<= {TAIL_GOAL:g}", f"{tail:.1f}", tail <= TAIL_GOAL
            )
        )
        goals.append(
            Goal(
                f"mixed on {kind}: errors",
                "0",
                str(errors + check_errors),
                errors + check_errors == 0,
            )
        )
        goals.append(
            Goal(
                f"mixed on {kind}: posts lost (201 answered, not stored)", "0", str(lost), lost == 0
            )
        )
        goals.append(
            Goal(
                f"mixed on {kind}: stale reads after an acknowledged write",
                "0",
                str(stale),
                stale == 0,
            )
        )
    body = "\n".join(
        [
            f"{CONNECTIONS} connections, wrk (one thread) with `bench/mixed.lua`: 90% reads (list "
            "and get of integrations, next-slot, list and get of posts), 10% writes (8 in 10 a "
            'post at an explicit time, 1 in 10 at `"next_slot"`, 1 in 10 a cancel). '
            f"{rounds} round(s) of {seconds:g} s per server after a warm-up; req/s over all "
            "rounds, p50/p99 the median of the rounds'. Posts: in the database / answered 201 "
            f"(the {SEEDED_POSTS} seeded included); more stored than answered are creates "
            "in flight when wrk stopped (at most 64 per run), fewer would be lost.",
            "",
            table(
                [
                    "server",
                    "database",
                    "req/s",
                    "p50 ms",
                    "p99 ms",
                    "p99/p50",
                    "max ms",
                    "errors",
                    "answers",
                    "posts stored / acknowledged",
                ],
                rows,
            ),
            "",
            "Read-your-writes client (its own connection, during every run): create, read back "
            "by id, in the filtered list and through next-slot; cancel, read back again.",
            "",
            table(
                ["server", "database", "rounds", "reads", "stale", "errors", "first seen"], checks
            ),
        ]
    )
    return Section(TITLE, body, goals)
