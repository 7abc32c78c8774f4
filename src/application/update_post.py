from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from application.errors import NotFound
from application.ports.clock import Clock
from application.ports.unit_of_work import UnitOfWork
from application.post_media import load_media
from application.post_scheduling import NEXT_SLOT, Schedule, load_integrations, next_free_slot
from application.thread_media import check_part_media
from domain.media import Media
from domain.platform import Platform
from domain.post import Post
from domain.thread import ThreadChanges


@dataclass(frozen=True, slots=True)
class UpdatePostCommand:
    """Fields left as None are kept; `reschedule` says whether `schedule_at` was given (its
    None means "make it a draft again")."""

    workspace_id: UUID
    post_id: UUID
    content: str | None = None
    tags: Sequence[str] | None = None
    reschedule: bool = False
    schedule_at: Schedule = None
    media: Sequence[UUID | str] | None = None
    media_overrides: Mapping[Platform, Sequence[UUID | str] | None] | None = None
    """Platform media lists to replace; a None list drops the platform's own."""
    thread: ThreadChanges | None = None


class UpdatePost:
    """Edits content, schedule, tags, media (the post's and each platform's) and thread
    settings (`thread`, whole) while the
    post is a draft or scheduled, with the checks of creation. A new time (explicit or `next_slot`) needs every integration still
    connected; `next_slot` ignores the post's own current time. All or nothing: a refused
    field leaves the post untouched."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    async def execute(self, command: UpdatePostCommand) -> Post:
        now = self.clock.now()
        async with self.uow:
            post = await self.uow.posts.get(command.workspace_id, command.post_id, for_update=True)
            if post is None:
                raise NotFound(str(command.post_id))
            post.ensure_editable()
            if command.reschedule:
                at = command.schedule_at
                if at is not None:
                    await self._check_integrations(post, at is NEXT_SLOT)
                if at is NEXT_SLOT:
                    at = await next_free_slot(self.uow, post.integration_ids, now, post.id)
                post.reschedule(at, now)
            if command.thread is not None:
                post.rethread(command.thread.applied_to(post.thread), now)
                await check_part_media(
                    self.uow, post.workspace_id, post.thread, post.platforms
                )
            media, own = await self._load_media(post, command)
            # New text first when there is some, so it may replace media the post drops;
            # new media first otherwise, so it may stand in for text the post drops.
            if command.content is not None and command.content.strip():
                post.rewrite(command.content, now)
            if media is not None:
                post.attach(media, now, own)
            if media is not None or command.thread is not None:
                await self._check_media_scopes(post)
            if command.content is not None and not command.content.strip():
                post.rewrite(command.content, now)
            if command.tags is not None:
                post.retag(command.tags, now)
            await self.uow.posts.save(post)
            await self.uow.commit()
        return post

    async def _load_media(
        self, post: Post, command: UpdatePostCommand
    ) -> tuple[list[Media] | None, dict[Platform, list[Media] | None]]:
        """The new post media list (the current one when only platform lists change, as a
        platform whose list is dropped falls back to it) and the new platform lists."""
        workspace, own = post.workspace_id, command.media_overrides
        if command.media is None and own is None:
            return None, {}
        ids = post.media if command.media is None else command.media
        media = await load_media(self.uow, workspace, ids, "media")
        lists: dict[Platform, list[Media] | None] = {}
        for platform, named in (own or {}).items():
            field = f"platform_overrides.{platform.value}.media"
            lists[platform] = (
                None if named is None else await load_media(self.uow, workspace, named, field)
            )
        return media, lists

    async def _check_media_scopes(self, post: Post) -> None:
        """Every account that would get the new media may upload it."""
        found = await self.uow.integrations.get_many(post.integration_ids)
        for index, integration_id in enumerate(post.integration_ids):
            integration = found.get(integration_id)
            if integration is not None and post.sends_media_to(integration.platform):
                integration.ensure_can_post_media(f"integrations[{index}]")

    async def _check_integrations(self, post: Post, reserve: bool) -> None:
        ids = post.integration_ids
        if reserve:
            await self.uow.busy_times.hold(ids)
        await load_integrations(self.uow, post.workspace_id, list(ids), ids)
