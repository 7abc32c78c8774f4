from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from application.idempotency import note_created
from application.ports.clock import Clock
from application.ports.ids import IdGenerator
from application.ports.unit_of_work import UnitOfWork
from application.post_media import load_media, load_media_overrides
from application.post_scheduling import (
    NEXT_SLOT,
    Schedule,
    load_integrations,
    next_free_slot,
    parse_ids,
)
from application.thread_media import check_part_media
from domain.platform import Platform
from domain.post import Post, TargetSpec
from domain.thread import ThreadSettings


@dataclass(frozen=True, slots=True)
class CreatePostCommand:
    workspace_id: UUID
    content: str
    integration_ids: Sequence[UUID | str]
    schedule_at: Schedule = None
    tags: Sequence[str] = ()
    overrides: Mapping[Platform, str] = field(default_factory=dict)
    idempotency_key: str | None = None
    media: Sequence[UUID | str] = ()
    media_overrides: Mapping[Platform, Sequence[UUID | str]] = field(default_factory=dict)
    thread: ThreadSettings | None = None


class CreatePost:
    """A draft (no time), a post at a given time, or a post in the next free slot.

    Everything is checked before anything is stored: the integrations (see
    `post_scheduling`), the content per target platform and the schedule bounds, measured
    from the moment the request was received. An explicit time is not checked against the
    one-hour gap; only `next_slot` reserves. A request's `Idempotency-Key` notes the post
    in the same transaction (see `application.idempotency`).
    """

    def __init__(self, uow: UnitOfWork, ids: IdGenerator, clock: Clock) -> None:
        self.uow, self.ids, self.clock = uow, ids, clock

    async def execute(self, command: CreatePostCommand) -> Post:
        now = self.clock.now()
        ids = parse_ids(command.integration_ids)
        async with self.uow:
            # Held first (as `busy_times.hold` holds), so a `next_slot` reservation sees
            # every earlier one (and, on SQLite, so the unit writes as one writer from its
            # first statement); read in the same statement.
            held = await self.uow.integrations.get_held(
                command.workspace_id, [i for i in ids if i is not None]
            )
            integrations = await load_integrations(
                self.uow, command.workspace_id, ids, command.integration_ids, held=held
            )
            workspace = command.workspace_id
            media = await load_media(self.uow, workspace, command.media, "media")
            own_media = await load_media_overrides(self.uow, workspace, command.media_overrides)
            at = command.schedule_at
            if at is NEXT_SLOT:
                at = await next_free_slot(self.uow, [i.id for i in integrations], now)
            # Sorted ids keep the targets in request order when read back by id.
            target_ids = sorted(self.ids.new_id() for _ in integrations)
            post = Post.create(
                id=self.ids.new_id(),
                workspace_id=command.workspace_id,
                content=command.content,
                targets=[
                    TargetSpec(tid, i.id, i.platform)
                    for tid, i in zip(target_ids, integrations, strict=True)
                ],
                now=now,
                scheduled_at=at,
                overrides=command.overrides,
                tags=command.tags,
                media=media,
                media_overrides=own_media,
                thread=command.thread,
            )
            await check_part_media(self.uow, command.workspace_id, post.thread, post.platforms)
            for index, integration in enumerate(integrations):
                if post.sends_media_to(integration.platform):
                    integration.ensure_can_post_media(f"integrations[{index}]")
            await self.uow.posts.add(post)
            await note_created(self.uow, command.workspace_id, command.idempotency_key, post.id)
            await self.uow.commit()
        return post
