"""`GET /v1/posts?status=failed` at scale: the ListPosts use case with 1,000 posts in the
database versus 1,000,000 (quick: 100,000), on SQLite and PostgreSQL, in-process through
the app's own container; and the query plans of the page's read as the app sends it.

The measured workspace holds the same 1,000 posts in both databases (the mix of
`bench.posts_seed`: about 20 failed, so a page scans for all of them and `has_more` is
false). The large database adds a workspace of 10% of the posts (also timed, for
information: a failed page in a large workspace) and the rest spread over 1,000 other
workspaces. Rows are bulk-loaded (`bench.posts_seed`); the schema is the app's own
migrations.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.persistence.sqlalchemy.reads import ReadConnections
from application.list_posts import ListPosts, ListPostsQuery
from bench.posts_seed import (
    Ids,
    PostRows,
    copy_text,
    load_postgres,
    load_sqlite,
    postgres_ts,
    sqlite_ts,
)
from bench.support import (
    Context,
    Database,
    Goal,
    Section,
    database,
    fmt_ms,
    pg_dsn,
    query_plan,
    table,
)
from domain.post import PostStatus
from entrypoints.composition import build_container
from entrypoints.settings import load_settings

NAME = "post-scale"
TITLE = "Posts listing by status at scale"
SMALL = 1_000
OTHERS = 1_000  # other workspaces in the large database
PER_WORKSPACE = 2  # integrations of each other workspace
MEASURED_INTEGRATIONS = 10


@dataclass
class Case:
    """One timed call: a workspace and a status filter."""

    label: str
    workspace: UUID
    status: PostStatus | None
    timings: list[float] = field(default_factory=list)
    found: int = 0

    def median_ms(self) -> float:
        return statistics.median(self.timings)

    def p99_ms(self) -> float:
        ordered = sorted(self.timings)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


@dataclass
class Loaded:
    db: Database
    posts: int
    container: Any
    load_s: float
    cases: list[Case]
    failed: int
    plans: dict[str, str] = field(default_factory=dict)

    async def call(self, case: Case) -> float:
        started = time.perf_counter()
        async with self.container() as scope:
            page = await (await scope.get(ListPosts)).execute(
                ListPostsQuery(case.workspace, case.status)
            )
        took = (time.perf_counter() - started) * 1000
        case.found = len(page.items)
        return took


def _workspaces_and_integrations(
    ids: Ids, ts: str, workspaces: int, per_workspace: int
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[list[str]]]:
    made, integrations, owned = [], [], []
    for w in range(workspaces):
        wid = ids.next()
        made.append((wid, f"workspace {w}", "live", ts))
        mine = []
        for i in range(per_workspace):
            iid = ids.next()
            mine.append(iid)
            integrations.append(
                (iid, wid, "twitter" if i % 2 == 0 else "bluesky", f"{w}-{i}", f"account_{w}_{i}",
                 f"Account {w} {i}", None, "active", None, "", ts, ts)
            )  # fmt: skip
        owned.append(mine)
    return made, integrations, owned


_WS = ("id", "name", "mode", "created_at")
_INT = (
    "id", "workspace_id", "platform", "platform_user_id", "username", "display_name",
    "avatar_url", "status", "status_reason", "warnings", "connected_at", "updated_at",
)  # fmt: skip


async def load(db: Database, total: int, stack: AsyncExitStack) -> Loaded:
    container = build_container(load_settings(db.settings_env(), dotenv=None))
    stack.push_async_callback(container.close)
    await upgrade(await container.get(AsyncEngine))
    format_ts = sqlite_ts if db.kind == "sqlite" else postgres_ts
    stamp = format_ts(datetime(2025, 1, 1, tzinfo=UTC))
    big = total > SMALL
    ids = Ids(0x0190_0000_0000_6000)
    measured = _workspaces_and_integrations(ids, stamp, 1, MEASURED_INTEGRATIONS)
    large = _workspaces_and_integrations(ids, stamp, 1, MEASURED_INTEGRATIONS)
    others = _workspaces_and_integrations(ids, stamp, OTHERS, PER_WORKSPACE)
    groups = [measured, *([large, others] if big else [])]
    rows = PostRows(format_ts, random.Random(7))
    sources = [rows.posts(measured[0][0][0], measured[2][0], SMALL)]
    large_count = total // 10
    if big:
        sources.append(rows.posts(large[0][0][0], large[2][0], large_count))
        rest = total - SMALL - large_count
        for w in range(OTHERS):
            share = rest // OTHERS + (1 if w < rest % OTHERS else 0)
            sources.append(rows.posts(others[0][w][0], others[2][w], share))
    started = time.perf_counter()
    if db.kind == "sqlite":
        conn = sqlite3.connect(db.home / "openpost.db")
        with conn:
            for made, integrations, _ in groups:
                conn.executemany(
                    "INSERT INTO workspaces (id, name, mode, created_at) VALUES (?, ?, ?, ?)", made
                )
                conn.executemany(
                    f"INSERT INTO integrations ({', '.join(_INT)}) VALUES ({', '.join('?' * len(_INT))})",
                    integrations,
                )
        conn.close()
        load_sqlite(db.home / "openpost.db", rows, sources)
    else:
        pg = await asyncpg.connect(pg_dsn(db.url))
        try:
            for made, integrations, _ in groups:
                await copy_text(pg, "workspaces", _WS, made)
                await copy_text(pg, "integrations", _INT, integrations)
        finally:
            await pg.close()
        await load_postgres(pg_dsn(db.url), rows, sources)
    load_s = time.perf_counter() - started
    workspace = UUID(measured[0][0][0])
    cases = [Case("failed", workspace, PostStatus.FAILED), Case("all", workspace, None)]
    if big:
        cases.append(
            Case(f"failed, {large_count:,}-post workspace", UUID(large[0][0][0]), PostStatus.FAILED)
        )
    return Loaded(db, total, container, load_s, cases, 0)


async def alternate(small: Loaded, large: Loaded, calls: int) -> None:
    """Both databases called back and forth in random order, so that a change in the
    machine's load hits both alike; each case's page read is kept for its plan."""
    for _ in range(20):
        for loaded in (small, large):
            for case in loaded.cases:
                await loaded.call(case)
    order = random.Random(3)
    for _ in range(calls):
        pair = [small, large]
        order.shuffle(pair)
        for loaded in pair:
            for case in loaded.cases:
                case.timings.append(await loaded.call(case))
    for case in large.cases:
        large.plans[case.label] = await _plan_of(large, case)


async def _plan_of(loaded: Loaded, case: Case) -> str:
    captured: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        if "FROM posts" in statement and not captured:
            captured.append((statement, params))

    reads = await loaded.container.get(ReadConnections)
    engine = reads.on_loop or (await loaded.container.get(AsyncEngine)).sync_engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        await loaded.call(case)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    if not captured:
        return "(not captured)"
    return await query_plan(loaded.db, *captured[0], analyze=True)


async def run(ctx: Context) -> Section:
    big = 100_000 if ctx.quick else 1_000_000
    pairs: list[tuple[Loaded, Loaded]] = []
    for kind in ctx.databases:
        async with AsyncExitStack() as stack:
            loaded = []
            for total in (SMALL, big):
                ctx.log(f"post-scale on {kind}: loading {total:,} posts")
                db = await stack.enter_async_context(database(kind, ctx.workdir))
                loaded.append(await load(db, total, stack))
            ctx.log(f"post-scale on {kind}: timing")
            await alternate(loaded[0], loaded[1], 100 if ctx.quick else 500)
            pairs.append((loaded[0], loaded[1]))
    rows, goals, plans = [], [], []
    for small, large in pairs:
        kind = small.db.kind
        base = {c.label: c for c in small.cases}
        for one in (small, large):
            for case in one.cases:
                against = base.get(case.label)
                ratio = case.median_ms() / against.median_ms() if against else float("nan")
                rows.append(
                    [
                        kind, f"{one.posts:,}", f"{one.load_s:.1f}", case.label, case.found,
                        fmt_ms(case.median_ms()), fmt_ms(case.p99_ms()),
                        f"{ratio:.2f}" if against else "-",
                    ]
                )  # fmt: skip
        failed = next(c for c in large.cases if c.label == "failed")
        ratio = failed.median_ms() / base["failed"].median_ms()
        goals.append(
            Goal(f"?status=failed on {kind}: {large.posts:,} vs {SMALL:,} posts", "<= 1.5",
                 f"{ratio:.2f}", ratio <= 1.5)
        )  # fmt: skip
        for label, plan in large.plans.items():
            plans += [f"{kind}, {large.posts:,} posts, {label}:", "```", plan, "```"]
    body = "\n".join(
        [
            "The ListPosts use case in-process (one DI scope, the page's reads, the "
            "entities), first page of 20, called alternately on the two databases; the "
            "measured workspace holds the same 1,000 posts in both.",
            "",
            table(
                ["database", "posts", "load s", "page", "items", "median ms", "p99 ms", "vs 1,000"],
                rows,
            ),
            "",
            "Query plans of the page's read, as the app sends it (large database):",
            "",
            *plans,
        ]
    )
    return Section(TITLE, body, goals)
