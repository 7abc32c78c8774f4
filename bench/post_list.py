"""`GET /v1/posts` (the first page of 20, newest first) and `GET /v1/posts?status=failed`
with 100,000 posts in the caller's workspace (quick: 10,000), against one
`openpost serve --no-worker` per database, versus the framework's ceiling
(`bench.bare_app` answering the same bytes on the same route, no auth, no database).

The workspace is made by `bench.seed` (its key and 10 accounts); its posts are bulk-loaded
by `bench.posts_seed` (the app's row mappers, the mix of statuses written there: about 2%
failed). Every server is up for the whole run, pinned to the same CPU, and each round
visits the bare app and each service in turn, as in `bench.http_api`."""

from __future__ import annotations

import json
import os
import random
import sys
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass, field

import asyncpg

from bench.http_api import ROOT, combine, fetch
from bench.load import LoadResult, run_load
from bench.posts_seed import PostRows, load_postgres, load_sqlite, postgres_ts, sqlite_ts
from bench.seed import seed_workspace
from bench.support import (
    Context,
    Database,
    Goal,
    Section,
    Server,
    database,
    fmt_ms,
    free_port,
    pg_dsn,
    serve,
    table,
)
from domain.post import PostStatus

NAME = "post-list"
TITLE = "HTTP: listing posts against the framework's ceiling"
CONNECTIONS = 64
GOAL = 0.40
PATHS = {"list": "/v1/posts", "failed": "/v1/posts?status=failed"}


@dataclass
class Target:
    server: str
    database: str
    base_url: str
    headers: dict[str, str]
    rounds: dict[str, list[LoadResult]] = field(default_factory=dict)


def start_bare(ctx: Context, bodies: dict[str, bytes], stack: ExitStack) -> Server:
    home = ctx.workdir / "bare-posts"
    home.mkdir(exist_ok=True)
    body_file = home / "bodies.json"
    keyed = {"GET " + path: body.decode() for path, body in bodies.items()}
    body_file.write_text(json.dumps(keyed))
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    argv = [sys.executable, "-m", "bench.bare_app", "--port", str(port), "--bodies", str(body_file)]
    return stack.enter_context(Server(argv, env=env, cwd=home, pin=ctx.pin, port=port))


async def seed(db: Database, posts: int) -> tuple[str, int]:
    """The workspace, its key and `posts` posts; the key and the posts loaded."""
    seeded = await seed_workspace(db.settings_env(), busy_posts=0)
    rows = PostRows(sqlite_ts if db.kind == "sqlite" else postgres_ts, random.Random(11))
    accounts = [i.hex for i in seeded.integration_ids]
    source = [rows.posts(seeded.workspace_id.hex, accounts, posts)]
    if db.kind == "sqlite":
        load_sqlite(db.home / "openpost.db", rows, source)
    else:
        await load_postgres(pg_dsn(db.url), rows, source)
    return seeded.api_key, rows.made[PostStatus.FAILED]


async def run(ctx: Context) -> Section:
    rounds, seconds, warmup = (1, 3, 1) if ctx.quick else (4, 5, 2)
    posts = 10_000 if ctx.quick else 100_000
    targets: list[Target] = []
    failed_count = 0
    async with AsyncExitStack() as adbs:
        with ExitStack() as servers:
            for kind in ctx.databases:
                db = await adbs.enter_async_context(database(kind, ctx.workdir))
                ctx.log(f"post-list on {kind}: seeding {posts:,} posts")
                key, failed_count = await seed(db, posts)
                if kind == "postgres":
                    conn = await asyncpg.connect(pg_dsn(db.url))
                    try:
                        await conn.execute("ANALYZE")
                    finally:
                        await conn.close()
                headers = {"Authorization": f"Bearer {key}"}
                trees: list[tuple[str, str | None]] = [("openpost serve", None)]
                if ctx.baseline is not None:
                    trees.append(("baseline serve", str(ctx.baseline)))
                for name, tree in trees:
                    # from another source tree too, when given: the same database
                    server = serve(ctx, db.env, db.home, servers, tree)
                    targets.append(Target(name, kind, server.base_url, headers))
            first = targets[0]
            bodies = {p: fetch(first.base_url + p, first.headers) for p in PATHS.values()}
            for target in targets[1:]:  # the same bytes on one database, the same size on both
                for path, body in bodies.items():
                    got = fetch(target.base_url + path, target.headers)
                    same = (
                        got == body if target.database == first.database else len(got) == len(body)
                    )
                    if not same:
                        raise RuntimeError(f"{target.server} ({target.database}) differs on {path}")
            bare = start_bare(ctx, bodies, servers)
            targets.insert(0, Target("bare Litestar", "-", bare.base_url, {}))
            for endpoint, path in PATHS.items():
                ctx.log(f"{endpoint}: warm-up, then {rounds} round(s) of {seconds} s per server")
                for target in targets:
                    run_load(target.base_url + path, headers=target.headers,
                             connections=CONNECTIONS, seconds=warmup, pin=ctx.pin)  # fmt: skip
                for _ in range(rounds):
                    for target in targets:
                        result = run_load(target.base_url + path, headers=target.headers,
                                          connections=CONNECTIONS, seconds=seconds, pin=ctx.pin)  # fmt: skip
                        target.rounds.setdefault(endpoint, []).append(result)
    return report(targets, rounds, seconds, posts, failed_count)


def report(targets: list[Target], rounds: int, seconds: int, posts: int, failed: int) -> Section:
    bare = targets[0]
    ceiling = {e: combine(bare.rounds[e]).rps for e in PATHS}
    rows, goals, errors = [], [], 0
    for target in targets:
        for endpoint in PATHS:
            lo = combine(target.rounds[endpoint])
            errors += lo.errors
            ratio = lo.rps / ceiling[endpoint]
            tail = lo.p99_ms / lo.p50_ms if lo.p50_ms else float("inf")
            rows.append(
                [target.server, target.database, PATHS[endpoint], f"{lo.rps:,.0f}",
                 fmt_ms(lo.p50_ms), fmt_ms(lo.p99_ms), f"{tail:.1f}", lo.errors, f"{ratio:.2f}"]
            )  # fmt: skip
            if target.server == "openpost serve" and endpoint == "list":
                goals.append(
                    Goal(f"GET /v1/posts on {target.database}: throughput vs ceiling",
                         f">= {GOAL:.2f}", f"{ratio:.2f}", ratio >= GOAL)
                )  # fmt: skip
    goals.append(Goal("errors in every posts listing run", "0", str(errors), errors == 0))
    tool = bare.rounds["list"][0].tool
    body = "\n".join(
        [
            f"{posts:,} posts in the caller's workspace ({failed:,} failed), the first page of "
            f"20. {CONNECTIONS} connections, {tool}, {rounds} round(s) of {seconds} s per "
            "server and path, visiting the servers in turn; req/s over all rounds, p50/p99 "
            "the median of the rounds'. One server process each, all on the same CPU.",
            "",
            table(
                [
                    "server",
                    "database",
                    "path",
                    "req/s",
                    "p50 ms",
                    "p99 ms",
                    "p99/p50",
                    "errors",
                    "vs ceiling",
                ],
                rows,
            ),
        ]
    )
    return Section(TITLE, body, goals)
