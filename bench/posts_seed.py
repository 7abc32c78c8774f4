"""Many posts, fast, in the app's own storage format: rows of `posts` and `post_targets`
bulk-loaded (executemany on SQLite, COPY on PostgreSQL) from templates that the app's own
row mappers made out of domain entities, one per kind of post, with only ids and times
put in per row.

The mix of statuses is a workspace's history: mostly published, a fifth scheduled ahead, a
few drafts, canceled and failed posts, and a handful being published. A quarter of the
posts go to two accounts; a failed post failed on one of them (the other published)."""

from __future__ import annotations

import csv
import io
import random
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg

from adapters.persistence.sqlalchemy.post_mappers import post_to_row, target_to_row
from bench.support import chunks, insert_sql
from domain.platform import Platform
from domain.post import Post, PostStatus
from domain.post_target import PostTarget, TargetError, TargetStatus

# (status, share): few failed among many published and scheduled.
MIX: tuple[tuple[PostStatus, float], ...] = (
    (PostStatus.PUBLISHED, 0.70),
    (PostStatus.SCHEDULED, 0.20),
    (PostStatus.DRAFT, 0.04),
    (PostStatus.CANCELED, 0.03),
    (PostStatus.FAILED, 0.02),
    (PostStatus.PUBLISHING, 0.01),
)
TWO_TARGETS = 0.25
CHUNK = 50_000
NULL = "\\N"  # COPY's null marker, so that an empty string stays an empty string
_ZERO = UUID(int=0)
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _target(status: TargetStatus, platform: Platform, at: datetime) -> PostTarget:
    published = status is TargetStatus.PUBLISHED
    return PostTarget(
        id=_ZERO,
        integration_id=_ZERO,
        platform=platform,
        content="A post written for the benchmark, about the length of a real one.",
        status=status,
        scheduled_at=at,
        next_attempt_at=at,
        lease_expires_at=at if status is TargetStatus.PUBLISHING else None,
        attempts=1 if status in (TargetStatus.PUBLISHED, TargetStatus.FAILED) else 0,
        retries=0,
        platform_post_id="1790000000000000000" if published else None,
        platform_post_url="https://x.com/i/web/status/1790000000000000000" if published else None,
        error=TargetError("content_rejected", "Rejected by the platform")
        if status is TargetStatus.FAILED
        else None,
        published_at=at if published else None,
        updated_at=at,
    )


def _template(status: PostStatus, targets: int) -> Post:
    """A post of `status` with `targets` targets, built as the domain holds it."""
    at = _EPOCH
    per_target = {
        PostStatus.PUBLISHED: [TargetStatus.PUBLISHED] * 2,
        PostStatus.SCHEDULED: [TargetStatus.PENDING] * 2,
        PostStatus.DRAFT: [TargetStatus.PENDING] * 2,
        PostStatus.CANCELED: [TargetStatus.CANCELED] * 2,
        PostStatus.FAILED: [TargetStatus.FAILED, TargetStatus.PUBLISHED],
        PostStatus.PUBLISHING: [TargetStatus.PUBLISHING, TargetStatus.PENDING],
    }[status][:targets]
    platforms = [Platform.TWITTER, Platform.BLUESKY]
    post = Post(
        id=_ZERO,
        workspace_id=_ZERO,
        content="A post written for the benchmark, about the length of a real one.",
        tags=("launch", "weekly"),
        overrides={},
        scheduled_at=None if status is PostStatus.DRAFT else at,
        canceled_at=at if status is PostStatus.CANCELED else None,
        created_at=at,
        updated_at=at,
        targets=[_target(s, platforms[i], at) for i, s in enumerate(per_target)],
    )
    assert post.status is status, (post.status, status)
    return post


class Ids:
    """Time-ordered ids (as the app's UUIDv7 are): a fixed head and a counter, as the
    32 hex digits both databases accept."""

    def __init__(self, head: int) -> None:
        self.head, self.count = f"{head:016x}", 0

    def next(self) -> str:
        self.count += 1
        return f"{self.head}{self.count:016x}"


# Columns whose value is put in per row; every other column is the template's, as mapped.
_POST_VARYING = {"id", "workspace_id", "scheduled_at", "canceled_at", "created_at", "updated_at"}
_TARGET_VARYING = {
    "id", "post_id", "workspace_id", "integration_id", "scheduled_at", "next_attempt_at",
    "lease_expires_at", "published_at", "updated_at",
}  # fmt: skip


def sqlite_ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def postgres_ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00")


def _stored(value: Any) -> Any:
    """A template's constant value as both databases take it as text."""
    if isinstance(value, UUID):
        return value.hex
    if isinstance(value, bool):
        return int(value)
    return value


@dataclass
class PostRows:
    """Generates post and target rows as tuples in `post_columns` / `target_columns` order.
    Each post is created one second after the one before (so the newest-first order is
    known), from `start`."""

    ts: Callable[[datetime], str]
    rng: random.Random
    ids: Ids = field(default_factory=lambda: Ids(0x0190_0000_0000_7000))
    start: datetime = _EPOCH
    span_s: int = 2_000_000

    def __post_init__(self) -> None:
        sample = _template(PostStatus.PUBLISHED, 1)
        self.post_columns = tuple(post_to_row(sample))
        self.target_columns = tuple(target_to_row(sample, sample.targets[0]))
        self.templates: dict[tuple[PostStatus, int], tuple[list[Any], list[list[Any]]]] = {}
        for status, _ in MIX:
            for count in (1, 2):
                post = _template(status, count)
                row = [_stored(v) for v in post_to_row(post).values()]
                targets = [
                    [_stored(v) for v in target_to_row(post, t).values()] for t in post.targets
                ]
                self.templates[(status, count)] = (row, targets)
        hours = (self.span_s + 60 * 86_400) // 3600 + 2
        self.hours = [self.ts(self.start + timedelta(hours=h))[:14] for h in range(hours)]
        self.minutes = [self.ts(self.start + timedelta(seconds=s))[14:] for s in range(3600)]
        self.second = 0
        self._p = {c: i for i, c in enumerate(self.post_columns)}
        self._t = {c: i for i, c in enumerate(self.target_columns)}
        self.made: dict[PostStatus, int] = dict.fromkeys(PostStatus, 0)

    def _at(self, second: int) -> str:
        return self.hours[second // 3600] + self.minutes[second % 3600]

    def _status(self) -> PostStatus:
        roll, total = self.rng.random(), 0.0
        for status, share in MIX:
            total += share
            if roll < total:
                return status
        return MIX[0][0]

    def posts(
        self, workspace: str, integrations: list[str], count: int
    ) -> Iterator[tuple[list[Any], list[list[Any]]]]:
        p, t, rng = self._p, self._t, self.rng
        for _ in range(count):
            status = self._status()
            self.made[status] += 1
            two = len(integrations) > 1 and rng.random() < TWO_TARGETS
            post_template, target_templates = self.templates[(status, 2 if two else 1)]
            self.second += 1
            created = self._at(self.second)
            if status is PostStatus.SCHEDULED or status is PostStatus.PUBLISHING:
                when: str | None = self._at(self.second + rng.randrange(3600, 30 * 86_400))
            elif status is PostStatus.DRAFT:
                when = None
            else:
                when = self._at(self.second + 3600)
            post_id = self.ids.next()
            post = list(post_template)
            post[p["id"]], post[p["workspace_id"]] = post_id, workspace
            post[p["scheduled_at"]], post[p["created_at"]] = when, created
            post[p["updated_at"]] = when or created
            if post[p["canceled_at"]] is not None:
                post[p["canceled_at"]] = created
            first = rng.randrange(len(integrations))
            targets = []
            for i, template in enumerate(target_templates):
                row = list(template)
                row[t["id"]], row[t["post_id"]], row[t["workspace_id"]] = (
                    self.ids.next(),
                    post_id,
                    workspace,
                )
                row[t["integration_id"]] = integrations[(first + i) % len(integrations)]
                row[t["scheduled_at"]] = row[t["next_attempt_at"]] = when
                row[t["updated_at"]] = when or created
                for column in ("lease_expires_at", "published_at"):
                    if row[t[column]] is not None:
                        row[t[column]] = when
                targets.append(row)
            yield post, targets


def load_sqlite(path: Path, rows: PostRows, sources: list[Iterator[Any]]) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB: the indexes of a million rows
        conn.execute("BEGIN")
        for source in sources:
            for post_rows, target_rows in chunks(source, CHUNK):
                conn.executemany(insert_sql("posts", rows.post_columns), post_rows)
                conn.executemany(insert_sql("post_targets", rows.target_columns), target_rows)
        conn.execute("COMMIT")  # no ANALYZE: the app never runs one on SQLite
    finally:
        conn.close()


async def copy_text(
    conn: asyncpg.Connection, name: str, columns: tuple[str, ...], values: Iterable[Sequence[Any]]
) -> None:
    """COPY of rows whose values are text as PostgreSQL reads it (None is NULL)."""
    text = io.StringIO()
    csv.writer(text).writerows([NULL if v is None else v for v in row] for row in values)
    source = io.BytesIO(text.getvalue().encode())
    await conn.copy_to_table(name, source=source, columns=columns, format="csv", null=NULL)


async def load_postgres(dsn: str, rows: PostRows, sources: list[Iterator[Any]]) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            for source in sources:
                for post_rows, target_rows in chunks(source, CHUNK):
                    await copy_text(conn, "posts", rows.post_columns, post_rows)
                    await copy_text(conn, "post_targets", rows.target_columns, target_rows)
        await conn.execute("ANALYZE")  # what autovacuum does after a bulk load
    finally:
        await conn.close()
