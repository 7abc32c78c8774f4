"""(f) HTTP writes: `POST /v1/posts` against one `openpost serve --no-worker` process per
database (SQLite, PostgreSQL), versus the framework's ceiling (`bench.bare_app` receiving
the same requests and answering a created post's bytes with a 201, no auth, no database).

Three kinds of create, one target each, every request a new post (wrk with
`bench/wrk_post.lua`: the content carries a counter, the integration rotates over the
workspace's): at an explicit time 30 days ahead; the same with an `Idempotency-Key` of its
own per request; and at the integration's next free slot (`"next_slot"`; enough
integrations that their weeks never fill up during the run).

Servers are up for the whole run, pinned to the same CPU, and each round visits the bare
app and every service in turn, as in `bench/http_api.py`. Afterwards every database holds
at least one post per 2xx answer and at most the answers plus those in flight when wrk
stopped (one per connection and run); then a closing check with every answer awaited:
100 creates with keys give 100 new posts exactly, a replay answers the same bytes, and the
key with another body is refused."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
from collections.abc import Mapping
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.bare_app import GET, LIST, NEXT_SLOT, POSTS
from bench.http_api import combine
from bench.load import LoadResult, run_load
from bench.seed import seed_workspace
from bench.support import (
    Context,
    Database,
    Goal,
    Section,
    Server,
    count_posts,
    database,
    fmt_ms,
    free_port,
    loadavg,
    serve,
    table,
)

NAME = "writes"
TITLE = "HTTP writes: POST /v1/posts against the framework's ceiling"
CONNECTIONS = 64
ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve().parent / "wrk_post.lua"
BARE = "bare Litestar"
SERVE = "openpost serve"
SCENARIOS = ("explicit", "idempotent", "next-slot")
# (scenario, database) -> the least share of the ceiling.
GOALS = {
    ("explicit", "sqlite"): 0.15,
    ("explicit", "postgres"): 0.10,
    ("idempotent", "sqlite"): 0.12,
    ("idempotent", "postgres"): 0.08,
    ("next-slot", "sqlite"): 0.08,
    ("next-slot", "postgres"): 0.08,
}
CHECKED = 100


@dataclass
class Target:
    server: str
    database: str
    base_url: str
    headers: dict[str, str]
    db: Database | None
    rounds: dict[str, list[LoadResult]] = field(default_factory=dict)


def start_bare(ctx: Context, created: bytes, stack: ExitStack) -> Server:
    home = ctx.workdir / "bare-writes"
    home.mkdir(exist_ok=True)
    body_file = home / "bodies.json"
    body_file.write_text(
        json.dumps({LIST: "[]", GET: "{}", NEXT_SLOT: "{}", POSTS: created.decode()})
    )
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    argv = [sys.executable, "-m", "bench.bare_app", "--port", str(port), "--bodies", str(body_file)]
    return stack.enter_context(Server(argv, env=env, cwd=home, pin=ctx.pin, port=port))


def script_env(scenario: str, integrations: list[str], at: str) -> dict[str, str]:
    env = {
        "OPENPOST_WRK_INTEGRATIONS": ",".join(integrations),
        "OPENPOST_WRK_SCHEDULE": '"next_slot"' if scenario == "next-slot" else f'"{at}"',
    }
    if scenario == "idempotent":
        env["OPENPOST_WRK_KEYS"] = "bench-" + secrets.token_hex(8)
    return env


def create(base_url: str, headers: dict[str, str], body: Mapping[str, object]) -> httpx.Response:
    return httpx.post(base_url + POSTS, json=body, headers=headers, timeout=10)


async def closing_check(target: Target, integration: str, at: str) -> str:
    """Every answer awaited: `CHECKED` creates with keys make exactly that many posts; a
    replay answers the same bytes; the key with another body is refused. The posts are
    counted by their content, which names this check: creates that wrk left in flight may
    still be landing meanwhile."""
    assert target.db is not None
    prefix = "check-" + secrets.token_hex(6)
    limits = httpx.Limits(max_connections=16)
    async with httpx.AsyncClient(
        base_url=target.base_url, headers=target.headers, limits=limits, timeout=30
    ) as client:

        async def one(n: int) -> httpx.Response:
            body = {
                "content": f"Checked write {prefix} {n}",
                "integrations": [integration],
                "schedule_at": at,
            }
            return await client.post(POSTS, json=body, headers={"Idempotency-Key": f"{prefix}-{n}"})

        answers = await asyncio.gather(*(one(n) for n in range(CHECKED)))
        statuses = sorted({a.status_code for a in answers})
        if statuses != [201]:
            raise RuntimeError(f"{target.database}: closing creates answered {statuses}")
        again = await one(0)
        if (
            again.content != answers[0].content
            or again.headers.get("idempotent-replayed") != "true"
        ):
            raise RuntimeError(f"{target.database}: a replay did not answer the first bytes")
        other = await client.post(
            POSTS,
            json={"content": "Another body", "integrations": [integration], "schedule_at": at},
            headers={"Idempotency-Key": f"{prefix}-0"},
        )
        if other.status_code != 409:
            raise RuntimeError(f"{target.database}: a reused key answered {other.status_code}")
    made = await count_posts(target.db, f"Checked write {prefix} %")
    if made != CHECKED:
        raise RuntimeError(f"{target.database}: {CHECKED} creates made {made} posts")
    return f"{target.database}: {CHECKED} of {CHECKED} creates stored, replay and reuse answered"


async def run(ctx: Context) -> Section:
    rounds, seconds, warmup = (1, 3, 1) if ctx.quick else (4, 5, 2)
    integrations = 100 if ctx.quick else 400
    at = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    at_text = at.isoformat().replace("+00:00", "Z")
    targets: list[Target] = []
    ids: dict[str, list[str]] = {}
    checks: list[str] = []
    seeded_posts: dict[str, int] = {}
    load_before = loadavg()
    async with AsyncExitStack() as adbs:
        with ExitStack() as servers:
            for kind in ctx.databases:
                db = await adbs.enter_async_context(database(kind, ctx.workdir))
                ctx.log(f"seeding {kind}: {integrations} integrations")
                seeded = await seed_workspace(db.settings_env(), integrations=integrations)
                # Not the busy one: its week holds 150 seeded posts (for next-slot's reads)
                # and fills up within a run of creates at "next_slot", which then answer 409.
                ids[kind] = [
                    str(i) for i in seeded.integration_ids if i != seeded.busy_integration_id
                ]
                seeded_posts[kind] = await count_posts(db)
                headers = {"Authorization": f"Bearer {seeded.api_key}"}
                server = serve(ctx, db.env, db.home, servers)
                targets.append(Target(SERVE, kind, server.base_url, headers, db))
                if ctx.baseline is not None:
                    other = serve(ctx, db.env, db.home, servers, ctx.baseline)
                    targets.append(Target("baseline serve", kind, other.base_url, headers, db))
            first = targets[0]
            body = {
                "content": "Benchmark write 0",
                "integrations": [ids[first.database][0]],
                "schedule_at": at_text,
            }
            answer = create(first.base_url, first.headers, body)
            if answer.status_code != 201:
                raise RuntimeError(
                    f"POST {POSTS} answered {answer.status_code}: {answer.text[:300]}"
                )
            bare = start_bare(ctx, answer.content, servers)
            targets.insert(0, Target(BARE, "-", bare.base_url, {}, None))
            for scenario in SCENARIOS:
                ctx.log(f"{scenario}: warm-up, then {rounds} round(s) of {seconds} s per server")
                for rnd in range(-1, rounds):
                    for target in targets:
                        chosen = ids[target.database if target.db else first.database]
                        result = run_load(
                            target.base_url + POSTS,
                            headers=target.headers,
                            connections=CONNECTIONS,
                            seconds=warmup if rnd < 0 else seconds,
                            pin=ctx.pin,
                            script=SCRIPT,
                            script_env=script_env(scenario, chosen, at_text),
                        )
                        if target.db is not None:
                            target.rounds.setdefault("all", []).append(result)
                        if rnd >= 0:
                            target.rounds.setdefault(scenario, []).append(result)
            stored = {}
            for target in targets:
                if target.db is None or target.database in stored:
                    continue
                runs = [
                    r for t in targets if t.database == target.database for r in t.rounds["all"]
                ]
                ok = sum(r.requests - r.status_errors for r in runs) + 1  # and the first create
                posts = await count_posts(target.db) - seeded_posts[target.database]
                bound = ok + sum(CONNECTIONS + r.errors - r.status_errors for r in runs)
                if not ok <= posts <= bound:
                    raise RuntimeError(
                        f"{target.database}: {posts} posts stored for {ok} 2xx answers"
                        f" (at most {bound - ok} more were in flight)"
                    )
                stored[target.database] = (ok, posts)
                checks.append(await closing_check(target, ids[target.database][1], at_text))
    return report(targets, stored, checks, rounds, seconds, load_before)


def report(
    targets: list[Target],
    stored: dict[str, tuple[int, int]],
    checks: list[str],
    rounds: int,
    seconds: int,
    load_before: str,
) -> Section:
    bare = targets[0]
    ceiling = {s: combine(bare.rounds[s]).rps for s in SCENARIOS}
    rows, goals, errors = [], [], 0
    for scenario in SCENARIOS:
        for target in targets:
            lo = combine(target.rounds[scenario])
            errors += lo.errors
            status = sum(r.status_errors for r in target.rounds[scenario])
            ratio = lo.rps / ceiling[scenario]
            rows.append(
                [
                    scenario,
                    target.server,
                    target.database,
                    f"{lo.rps:,.0f}",
                    fmt_ms(lo.p50_ms),
                    fmt_ms(lo.p99_ms),
                    f"{lo.errors} ({status} status)" if lo.errors else 0,
                    f"{ratio:.3f}",
                ]
            )
            goal = GOALS.get((scenario, target.database))
            if target.server == SERVE and goal is not None:
                goals.append(
                    Goal(
                        f"POST /v1/posts {scenario} on {target.database} vs ceiling",
                        f">= {goal:.2f}",
                        f"{ratio:.3f}",
                        ratio >= goal,
                    )
                )
    goals.append(Goal("errors in every write run", "0", str(errors), errors == 0))
    kept = [
        f"- {db}: {posts:,} posts stored for {ok:,} 2xx answers"
        for db, (ok, posts) in stored.items()
    ]
    body = "\n".join(
        [
            f"{CONNECTIONS} connections, wrk with `bench/wrk_post.lua`, {rounds} round(s) of "
            f"{seconds} s per server and kind of create, visiting the servers in turn; req/s "
            "over all rounds, p50/p99 the median of the rounds'. One server process each, all "
            "on the same CPU. Errors: all that wrk counts (connect, read, write, timeout, "
            "status), those answered 400 or more in brackets. "
            f"Load average before {load_before}, after {loadavg()}.",
            "",
            table(
                [
                    "create",
                    "server",
                    "database",
                    "req/s",
                    "p50 ms",
                    "p99 ms",
                    "errors",
                    "vs ceiling",
                ],
                rows,
            ),
            "",
            *kept,
            *(f"- {c}" for c in checks),
        ]
    )
    return Section(TITLE, body, goals)
