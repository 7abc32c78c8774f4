"""The due targets as a queue shared by workers on one database."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Integer, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sqlalchemy.pg_driver import PgStatement, is_asyncpg
from adapters.persistence.sqlalchemy.post_mappers import media_ids_for
from adapters.persistence.sqlalchemy.tables import post_targets, posts
from adapters.persistence.sqlalchemy.thread_mappers import links_from_json, parts_from_json
from application.ports.publish_queue import ClaimedTarget, PublishQueue
from domain.platform import Platform

_t = post_targets.c


class SqlAlchemyPublishQueue(PublishQueue):
    """One statement claims: `WITH due AS (SELECT ... FOR UPDATE SKIP LOCKED) UPDATE ...
    RETURNING`. PostgreSQL skips rows another worker is claiming; SQLite runs the statement
    atomically under its write lock. The SQL mirrors `PostTarget.claim` (pending ->
    publishing, one more attempt, a lease) so thousands of targets claim in one round trip.
    The post's media lists come back in the same statement (a subquery per row)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def claim_due(self, now: datetime, lease: timedelta, limit: int) -> list[ClaimedTarget]:
        params = {"now": now, "lease_until": now + lease, "limit": limit}
        if is_asyncpg(self.conn):
            rows: Any = await _CLAIM_ON_ASYNCPG.rows(self.conn, params)
        else:
            rows = (await self.conn.execute(_CLAIM, params)).mappings()
        return [_claimed(row) for row in rows]

    async def expired_leases(self, now: datetime, limit: int) -> list[tuple[UUID, UUID]]:
        rows = await self.conn.execute(
            select(_t.post_id, _t.id)
            .where(_t.status == "publishing", _t.lease_expires_at <= now)
            .order_by(_t.lease_expires_at)
            .limit(limit)
        )
        return [(row[0], row[1]) for row in rows]


def _post_column(column: Any) -> Any:
    return select(column).where(posts.c.id == _t.post_id).scalar_subquery().label(column.name)


def _claim_statement() -> Any:
    """Built once, its moments and limit as parameters (`now`, `lease_until`, `limit`)."""
    now = bindparam("now", type_=_t.next_attempt_at.type)
    due = (
        select(_t.id)
        .where(_t.status == "pending", _t.next_attempt_at <= now)
        .order_by(_t.next_attempt_at, _t.id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    return (
        update(post_targets)
        .where(_t.id == due.c.id, _t.status == "pending")
        .values(
            status="publishing",
            attempts=_t.attempts + 1,
            next_attempt_at=None,
            lease_expires_at=bindparam("lease_until", type_=_t.lease_expires_at.type),
            updated_at=now,
        )
        .returning(
            *_CLAIMED_COLUMNS,
            _post_column(posts.c.media),
            _post_column(posts.c.media_overrides),
        )
    )


_CLAIMED_COLUMNS = (
    _t.post_id, _t.id, _t.workspace_id, _t.integration_id, _t.platform, _t.content,
    _t.attempts, _t.parts, _t.status, _t.platform_post_id, _t.platform_post_url,
)  # fmt: skip
_CLAIM = _claim_statement()
# PostgreSQL: the same statement on asyncpg directly (pg_driver.py).
_CLAIM_ON_ASYNCPG = PgStatement(_CLAIM)


def _claimed(row: Any) -> ClaimedTarget:
    platform = Platform(row["platform"])
    return ClaimedTarget(
        post_id=row["post_id"],
        target_id=row["id"],
        workspace_id=row["workspace_id"],
        integration_id=row["integration_id"],
        platform=platform,
        content=row["content"],
        attempts=row["attempts"],
        media_ids=media_ids_for(platform, row["media"], row["media_overrides"]),
        parts=tuple(parts_from_json(row["parts"], _part_row(row))),
        links=links_from_json(row["parts"]),
    )


def _part_row(row: Any) -> dict[str, Any]:
    """What `parts_from_json` reads of a target written before parts existed."""
    return {
        "content": row["content"],
        "status": row["status"],
        "platform_post_id": row["platform_post_id"],
        "platform_post_url": row["platform_post_url"],
    }
