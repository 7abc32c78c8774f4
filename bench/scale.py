"""(b) Next-slot latency with 100 posts in the database versus 1,000,000 post targets across
10,000 integrations (quick: 100,000), on SQLite and PostgreSQL, through the app's own use
case and adapters; and the query plan of the busy-time read, which must use the partial
index `ix_post_targets_busy`.

Both databases hold the same 100 busy posts for the measured integration; the large one
adds everyone else's targets (every status, from a year ago to six months ahead, drafts
included) and, on the measured integration itself, targets the index must skip (published,
canceled inside the window, pending beyond it). Rows are bulk-loaded: executemany on SQLite,
COPY on PostgreSQL; the schema is the app's own migrations.
"""

from __future__ import annotations

import csv
import io
import random
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.persistence.sqlalchemy.reads import ReadConnections
from application.find_next_slot import FindNextSlot
from application.ports.unit_of_work import UnitOfWorkFactory
from bench.seed import busy_hours
from bench.support import (
    Context,
    Database,
    Goal,
    Section,
    chunks,
    database,
    fmt_ms,
    insert_sql,
    pg_dsn,
    query_plan,
    table,
)
from domain.slots import DEFAULT_GAP, DEFAULT_HORIZON, DEFAULT_LEAD
from entrypoints.composition import build_container
from entrypoints.settings import load_settings

NAME = "scale"
TITLE = "Next-slot latency at scale"
INTEGRATIONS = 10_000
PER_WORKSPACE = 10
BUSY = 100
CHUNK = 50_000
INDEX = "ix_post_targets_busy"
NULL = "\\N"  # COPY's null marker, so that an empty string stays an empty string

WORKSPACE_COLUMNS = ("id", "name", "mode", "created_at")
INTEGRATION_COLUMNS = (
    "id",
    "workspace_id",
    "platform",
    "platform_user_id",
    "username",
    "display_name",
    "avatar_url",
    "status",
    "status_reason",
    "warnings",
    "connected_at",
    "updated_at",
)
POST_COLUMNS = (
    "id",
    "workspace_id",
    "content",
    "tags",
    "platform_overrides",
    "scheduled_at",
    "canceled_at",
    "created_at",
    "updated_at",
)
TARGET_COLUMNS = (
    "id",
    "post_id",
    "workspace_id",
    "integration_id",
    "platform",
    "content",
    "status",
    "scheduled_at",
    "next_attempt_at",
    "lease_expires_at",
    "attempts",
    "retries",
    "published_at",
    "updated_at",
)


class Ids:
    """Time-ordered ids (as the app's UUIDv7 are): a fixed head and a counter, as the
    32 hex digits both databases accept."""

    def __init__(self, head: int) -> None:
        self.head, self.count = f"{head:016x}", 0

    def next(self) -> str:
        self.count += 1
        return f"{self.head}{self.count:016x}"


PAST_S, FUTURE_S = 365 * 86_400, 180 * 86_400


@dataclass
class Dataset:
    """Rows as text, the way each database stores them; `ts` formats a timestamp. Bulk
    timestamps are whole seconds from a year ago to six months ahead, made from
    precomputed hour and minute:second strings (formatting each one is the slow part)."""

    now: datetime
    targets: int
    ts: Callable[[datetime], str]
    rng: random.Random

    def __post_init__(self) -> None:
        self.ids = Ids(0x0190_0000_0000_7000)
        self.workspace_ids = [self.ids.next() for _ in range(INTEGRATIONS // PER_WORKSPACE)]
        self.integration_ids = [self.ids.next() for _ in range(INTEGRATIONS)]
        self.measured = self.integration_ids[0]
        self.created = self.ts(self.now - timedelta(days=400))
        self.base = self.now.replace(minute=0, second=0, microsecond=0) - timedelta(seconds=PAST_S)
        hours = (PAST_S + FUTURE_S) // 3600 + 1
        self.hours = [self.ts(self.base + timedelta(hours=h))[:14] for h in range(hours)]
        self.minutes = [self.ts(self.base + timedelta(seconds=s))[14:] for s in range(3600)]

    def workspaces(self) -> list[tuple[Any, ...]]:
        return [
            (w, f"workspace {i}", "live", self.created) for i, w in enumerate(self.workspace_ids)
        ]

    def integrations(self) -> list[tuple[Any, ...]]:
        stamp = self.created
        return [
            (
                iid,
                self.workspace_ids[i // PER_WORKSPACE],
                "twitter" if i % 2 == 0 else "bluesky",
                str(10**12 + i),
                f"account_{i}",
                f"Account {i}",
                None,
                "active",
                None,
                "",
                stamp,
                stamp,
            )
            for i, iid in enumerate(self.integration_ids)
        ]

    def _post(
        self, workspace: str, integrations: list[str], status: str, when: str | None
    ) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
        post_id, created = self.ids.next(), self.created
        post = (post_id, workspace, "Post text", "[]", "{}", when, None, created, created)
        published = when if status == "published" else None
        targets = [
            (
                self.ids.next(),
                post_id,
                workspace,
                iid,
                "twitter",
                "Post text",
                status,
                when,
                when,
                None,
                0,
                0,
                published,
                created,
            )
            for iid in integrations
        ]
        return post, targets

    def busy(self) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
        """The measured integration's 100 busy posts, the same in both databases."""
        for moment in busy_hours(BUSY, self.now, random.Random(42)):
            yield self._post(self.workspace_ids[0], [self.measured], "pending", self.ts(moment))

    def noise(self) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
        """The measured integration's own targets that must not block, then everyone else's
        (two targets a post, on two integrations of one workspace)."""
        rng, now, ws = self.rng, self.now, self.workspace_ids[0]
        own: list[tuple[str, Callable[[], datetime], int]] = [
            ("published", lambda: now - timedelta(hours=rng.randrange(1, 8_000)), 1_000),
            ("canceled", lambda: now + timedelta(hours=rng.randrange(1, 160)), 200),
            ("pending", lambda: now + timedelta(days=9, hours=rng.randrange(0, 4_000)), 200),
        ]
        made = 0
        for status, when, count in own:
            for _ in range(count):
                yield self._post(ws, [self.measured], status, self.ts(when()))
                made += 1
        hours, minutes, ids = self.hours, self.minutes, self.integration_ids
        workspaces, span = len(self.workspace_ids), PAST_S + FUTURE_S
        present = int((now - self.base).total_seconds())
        random_int = rng.randrange
        while made < self.targets - BUSY:
            w = random_int(1, workspaces)
            first = random_int(PER_WORKSPACE)
            pair = [
                ids[w * PER_WORKSPACE + first],
                ids[w * PER_WORKSPACE + (first + 1) % PER_WORKSPACE],
            ]
            roll = rng.random()
            if roll < 0.05:
                yield self._post(self.workspace_ids[w], pair, "pending", None)  # drafts
            else:
                at = random_int(span)
                if at < present:
                    status = "published" if roll < 0.85 else "failed" if roll < 0.95 else "canceled"
                else:
                    status = "pending" if roll < 0.9 else "canceled"
                stamp = hours[at // 3600] + minutes[at % 3600]
                yield self._post(self.workspace_ids[w], pair, status, stamp)
            made += 2


def load_sqlite(db: Database, data: Dataset, big: bool) -> None:
    conn = sqlite3.connect(db.home / "openpost.db")
    try:
        conn.execute("BEGIN")
        conn.executemany(insert_sql("workspaces", WORKSPACE_COLUMNS), data.workspaces())
        conn.executemany(insert_sql("integrations", INTEGRATION_COLUMNS), data.integrations())
        sources = [data.busy(), *([data.noise()] if big else [])]
        for source in sources:
            for post_rows, target_rows in chunks(source, CHUNK):
                conn.executemany(insert_sql("posts", POST_COLUMNS), post_rows)
                conn.executemany(insert_sql("post_targets", TARGET_COLUMNS), target_rows)
        conn.execute("COMMIT")
    finally:
        conn.close()


async def load_postgres(db: Database, data: Dataset, big: bool) -> None:
    conn = await asyncpg.connect(pg_dsn(db.url))

    async def copy(name: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        text = io.StringIO()
        csv.writer(text).writerows([NULL if v is None else v for v in row] for row in rows)
        source = io.BytesIO(text.getvalue().encode())
        await conn.copy_to_table(name, source=source, columns=columns, format="csv", null=NULL)

    try:
        async with conn.transaction():
            await copy("workspaces", WORKSPACE_COLUMNS, data.workspaces())
            await copy("integrations", INTEGRATION_COLUMNS, data.integrations())
            for source in [data.busy(), *([data.noise()] if big else [])]:
                for post_rows, target_rows in chunks(source, CHUNK):
                    await copy("posts", POST_COLUMNS, post_rows)
                    await copy("post_targets", TARGET_COLUMNS, target_rows)
        await conn.execute("ANALYZE")  # what autovacuum does after a bulk load
    finally:
        await conn.close()


def sqlite_ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def postgres_ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")


@dataclass
class Loaded:
    """A loaded database and the app's container over it, ready to be timed."""

    db: Database
    targets: int
    container: Any
    workspace: UUID
    integration: UUID
    load_s: float
    busy_read: int
    timings: list[float]
    plan: str = ""

    async def call(self) -> float:
        started = time.perf_counter()
        async with self.container() as scope:
            await (await scope.get(FindNextSlot)).execute(self.workspace, self.integration)
        return (time.perf_counter() - started) * 1000

    def median_ms(self) -> float:
        return statistics.median(self.timings)

    def p99_ms(self) -> float:
        ordered = sorted(self.timings)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def load(db: Database, targets: int, stack: AsyncExitStack) -> Loaded:
    """Builds the schema through the app, then bulk-loads; the container lives on `stack`.
    Next-slot's kept inputs are off (`READ_CACHE_MB=0`): what is measured is the read of
    the busy times at each size, which a kept answer would skip after the first call."""
    env = {**db.settings_env(), "OPENPOST_READ_CACHE_MB": "0"}
    container = build_container(load_settings(env, dotenv=None))
    stack.push_async_callback(container.close)
    await upgrade(await container.get(AsyncEngine))
    ts = sqlite_ts if db.kind == "sqlite" else postgres_ts
    data = Dataset(datetime.now(UTC), targets, ts, random.Random(1))
    started = time.perf_counter()
    if db.kind == "sqlite":
        load_sqlite(db, data, big=targets > BUSY)
    else:
        await load_postgres(db, data, big=targets > BUSY)
    load_s = time.perf_counter() - started
    integration = UUID(data.measured)
    busy_read = await _count_busy(container, integration)
    return Loaded(
        db, targets, container, UUID(data.workspace_ids[0]), integration, load_s, busy_read, []
    )


async def alternate(small: Loaded, large: Loaded, calls: int) -> None:
    """Calls both back and forth, in random order, so that a change in the machine's load
    hits both alike; the large one's busy-time statement is kept for its query plan."""
    captured: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        if "post_targets" in statement and not captured:
            captured.append((statement, params))

    # On PostgreSQL the read runs on asyncpg directly (pg_driver.py), past SQLAlchemy's
    # events: asyncpg's own query log sees it, on each connection while it is lent.
    def logged(query: Any) -> None:
        if "post_targets" in query.query and not captured:
            captured.append((query.query, tuple(query.args)))

    def log_queries(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(logged)

    def stop_logging(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.driver_connection.remove_query_logger(logged)

    for _ in range(20):
        await small.call()
        await large.call()
    # Reads go through the read path's own engine where it has one (SQLite on the loop).
    reads = await large.container.get(ReadConnections)
    engine = reads.on_loop or (await large.container.get(AsyncEngine)).sync_engine
    listeners: list[tuple[str, Any]] = [("before_cursor_execute", capture)]
    if engine.dialect.driver == "asyncpg":
        listeners = [("checkout", log_queries), ("checkin", stop_logging)]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        order = random.Random(3)
        for _ in range(calls):
            pair = [small, large]
            order.shuffle(pair)
            for loaded in pair:
                loaded.timings.append(await loaded.call())
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)
    large.plan = await query_plan(large.db, *captured[0])


async def _count_busy(container: Any, integration: UUID) -> int:
    """The measured integration's busy times, read through the app's adapter: 100 in both
    databases, which also proves the bulk rows are in the app's own storage format."""
    now = datetime.now(UTC)
    factory = await container.get(UnitOfWorkFactory)
    async with factory() as uow:
        found = await uow.busy_times.busy_times(
            integration, now + DEFAULT_LEAD - DEFAULT_GAP, now + DEFAULT_HORIZON + DEFAULT_GAP
        )
    return len(found)


async def run(ctx: Context) -> Section:
    big = 100_000 if ctx.quick else 1_000_000
    pairs: list[tuple[Loaded, Loaded]] = []
    for kind in ctx.databases:
        async with AsyncExitStack() as stack:
            loaded = []
            for targets in (BUSY, big):
                ctx.log(f"scale on {kind}: loading {targets:,} post targets")
                db = await stack.enter_async_context(database(kind, ctx.workdir))
                loaded.append(await load(db, targets, stack))
            ctx.log(f"scale on {kind}: timing")
            await alternate(loaded[0], loaded[1], 200 if ctx.quick else 1_000)
            pairs.append((loaded[0], loaded[1]))
    rows, goals, plans = [], [], []
    for small, large in pairs:
        kind = small.db.kind
        ratio = large.median_ms() / small.median_ms()
        for r in (small, large):
            rows.append(
                [
                    kind,
                    f"{r.targets:,}",
                    f"{r.load_s:.1f}",
                    r.busy_read,
                    fmt_ms(r.median_ms()),
                    fmt_ms(r.p99_ms()),
                    f"{r.median_ms() / small.median_ms():.2f}",
                ]
            )
        goals.append(
            Goal(
                f"next-slot on {kind}: {big:,} vs 100 targets",
                "<= 1.5",
                f"{ratio:.2f}",
                ratio <= 1.5,
            )
        )
        used = INDEX in large.plan
        goals.append(
            Goal(f"busy-time read on {kind} uses {INDEX}", "yes", "yes" if used else "no", used)
        )
        plans += [f"{kind}, {large.targets:,} targets:", "```", large.plan, "```"]
    body = "\n".join(
        [
            "The FindNextSlot use case in-process (one DI scope, one unit of work, two "
            "queries, the slot sweep), called alternately on the two databases; the measured "
            "integration has the same 100 busy posts in both.",
            "",
            table(
                [
                    "database",
                    "post targets",
                    "load s",
                    "busy read",
                    "median ms",
                    "p99 ms",
                    "vs 100",
                ],
                rows,
            ),
            "",
            "Query plans of the busy-time read, as the app sends it:",
            "",
            *plans,
        ]
    )
    return Section(TITLE, body, goals)
