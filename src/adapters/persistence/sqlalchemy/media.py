"""Media rows over the unit of work's connection."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any
from uuid import UUID

from sqlalchemy import and_, delete, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.persistence.sqlalchemy.tables import media, post_targets, posts
from application.ports.media import MediaRepository
from domain.media import Media, MediaKind

_UNSENT = ("pending", "publishing")


def media_to_row(item: Media) -> dict[str, Any]:
    return {
        "id": item.id,
        "workspace_id": item.workspace_id,
        "kind": item.kind.value,
        "content_type": item.content_type,
        "size_bytes": item.size_bytes,
        "width": item.width,
        "height": item.height,
        "duration_ms": item.duration_ms,
        "alt_text": item.alt_text,
        "sha256": item.sha256,
        "created_at": item.created_at,
    }


def media_from_row(row: Mapping[Any, Any]) -> Media:
    values = dict(row)
    values["kind"] = MediaKind(values["kind"])
    return Media(**values)


class SqlAlchemyMediaRepository(MediaRepository):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, item: Media) -> None:
        await self.conn.execute(insert(media).values(media_to_row(item)))

    async def save(self, item: Media) -> None:
        values = media_to_row(item)
        await self.conn.execute(update(media).where(media.c.id == item.id).values(values))

    async def get(self, workspace_id: UUID, media_id: UUID) -> Media | None:
        query = select(media).where(media.c.id == media_id, media.c.workspace_id == workspace_id)
        row = (await self.conn.execute(query)).mappings().first()
        return media_from_row(row) if row else None

    async def get_many(self, workspace_id: UUID, media_ids: Collection[UUID]) -> list[Media]:
        if not media_ids:
            return []
        query = select(media).where(
            media.c.workspace_id == workspace_id, media.c.id.in_(list(media_ids))
        )
        return [media_from_row(r) for r in (await self.conn.execute(query)).mappings()]

    async def list(
        self, workspace_id: UUID, limit: int, starting_after: Media | None = None
    ) -> list[Media]:
        query = select(media).where(media.c.workspace_id == workspace_id)
        if starting_after is not None:
            at, last = starting_after.created_at, starting_after.id
            query = query.where(
                or_(media.c.created_at < at, and_(media.c.created_at == at, media.c.id < last))
            )
        query = query.order_by(media.c.created_at.desc(), media.c.id.desc()).limit(limit)
        return [media_from_row(r) for r in (await self.conn.execute(query)).mappings()]

    async def delete(self, workspace_id: UUID, media_id: UUID) -> None:
        await self.conn.execute(
            delete(media).where(media.c.id == media_id, media.c.workspace_id == workspace_id)
        )

    async def in_use(self, workspace_id: UUID, media_id: UUID) -> bool:
        """A post that is not canceled and still has a target to send (so a draft, a
        scheduled or a publishing post) whose media lists, or whose thread's parts (its
        `thread` settings: the parts and each platform's own), name the id. These are JSON
        text; a UUID's text cannot appear inside another's, so a substring match is exact."""
        named = str(media_id)
        unsent = exists().where(
            post_targets.c.post_id == posts.c.id, post_targets.c.status.in_(_UNSENT)
        )
        query = select(posts.c.id).where(
            posts.c.workspace_id == workspace_id,
            posts.c.canceled_at.is_(None),
            or_(
                posts.c.media.contains(named, autoescape=True),
                posts.c.media_overrides.contains(named, autoescape=True),
                posts.c.thread.contains(named, autoescape=True),
            ),
            unsent,
        )
        return (await self.conn.execute(query.limit(1))).first() is not None
