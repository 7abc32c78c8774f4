"""`PublishBacklog` on SQLite and PostgreSQL: a count and a minimum over the range of the
`(status, next_attempt_at)` index that the claim itself reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.sqlalchemy.errors import translate_database_errors
from adapters.persistence.sqlalchemy.tables import post_targets
from application.ports.publish_backlog import Backlog, PublishBacklog

_t = post_targets.c


class SqlAlchemyPublishBacklog(PublishBacklog):
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def due_unclaimed(self, now: datetime) -> Backlog:
        query = select(func.count(), func.min(_t.next_attempt_at)).where(
            _t.status == "pending", _t.next_attempt_at <= now
        )
        with translate_database_errors():
            async with self.engine.connect() as conn:
                due, oldest = (await conn.execute(query)).one()
        return Backlog(int(due), oldest)
