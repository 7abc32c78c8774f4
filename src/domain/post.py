"""The Post aggregate: one text for one or more integrations, a schedule, and one target per
integration that carries the delivery.

- The post's status is derived, never stored (`derive_status`).
- Editing (content, schedule, tags) and canceling are allowed only while the post is a
  draft or scheduled; canceling never deletes anything at a platform.
- Content and schedule rules are in `domain.post_rules`; every change is checked before
  it is applied, so a refused change leaves the post as it was.
- `updated_at` is the latest change to the post or any of its targets.
- Media (the post's list, or a platform's own) is checked per target platform
  (`domain.media_rules`); a platform that gets media may get no text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from domain.errors import PostNotCancelable, PostNotEditable
from domain.media import Media
from domain.media_rules import check_media_for, media_field
from domain.outcomes import Outcome
from domain.platform import Platform
from domain.post_part import fresh_parts
from domain.post_rules import check_content, check_schedule, check_tags, effective_content
from domain.post_target import PostTarget, TargetStatus
from domain.thread import (
    PartSpec,
    PostType,
    ThreadSettings,
    checked_settings,
    links_for,
    parts_for,
)


class PostStatus(StrEnum):
    DRAFT = "draft"
    CANCELED = "canceled"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"


EDITABLE = frozenset({PostStatus.DRAFT, PostStatus.SCHEDULED})
_USING_MEDIA = frozenset({PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.PUBLISHING})
_UNSENT = frozenset({TargetStatus.PENDING, TargetStatus.PUBLISHING})


def check_attachments(
    platforms: set[Platform],
    media: Sequence[Media],
    overrides: Mapping[Platform, Sequence[Media]],
) -> set[Platform]:
    """Checks each target platform's media (its own list, else the post's) and returns
    the platforms that get any."""
    for platform, own in overrides.items():
        if platform in platforms:
            check_media_for(platform, own, media_field(platform))
    for platform in platforms - set(overrides):
        check_media_for(platform, media, media_field(None))
    return {p for p in platforms if overrides.get(p, media)}


def derive_status(scheduled: bool, canceled: bool, targets: Iterable[TargetStatus]) -> PostStatus:
    """canceled (canceled, or every target canceled); else draft (no scheduled_at);
    scheduled (every target pending); publishing (any pending or publishing); published
    (every target published); failed (all finished, at least one failed)."""
    statuses = list(targets)
    if canceled or (statuses and all(s is TargetStatus.CANCELED for s in statuses)):
        return PostStatus.CANCELED
    if not scheduled:
        return PostStatus.DRAFT
    if all(s is TargetStatus.PENDING for s in statuses):
        return PostStatus.SCHEDULED
    if any(s in _UNSENT for s in statuses):
        return PostStatus.PUBLISHING
    if any(s is TargetStatus.FAILED for s in statuses):
        return PostStatus.FAILED
    return PostStatus.PUBLISHED


@dataclass(frozen=True, slots=True)
class TargetSpec:
    id: UUID
    integration_id: UUID
    platform: Platform


@dataclass(slots=True)
class Post:
    id: UUID
    workspace_id: UUID
    content: str
    tags: tuple[str, ...]
    overrides: dict[Platform, str]
    scheduled_at: datetime | None
    canceled_at: datetime | None
    created_at: datetime
    updated_at: datetime
    targets: list[PostTarget] = field(default_factory=list)
    media: tuple[UUID, ...] = ()
    media_overrides: dict[Platform, tuple[UUID, ...]] = field(default_factory=dict)
    thread: ThreadSettings = field(default_factory=ThreadSettings)

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        workspace_id: UUID,
        content: str,
        targets: Sequence[TargetSpec],
        now: datetime,
        scheduled_at: datetime | None = None,
        overrides: Mapping[Platform, str] | None = None,
        tags: Sequence[str] = (),
        media: Sequence[Media] = (),
        media_overrides: Mapping[Platform, Sequence[Media]] | None = None,
        thread: ThreadSettings | None = None,
    ) -> Post:
        overrides = dict(overrides or {})
        media_overrides = dict(media_overrides or {})
        platforms = {t.platform for t in targets}
        with_media = check_attachments(platforms, media, media_overrides)
        settings = checked_settings(thread or ThreadSettings())
        if not settings.is_thread:
            check_content(content, overrides, platforms, with_media)
        check_tags(tags)
        if scheduled_at is not None:
            check_schedule(scheduled_at, now)
        post = cls(id, workspace_id, content, tuple(tags), overrides, None, None, now, now)
        post.media = tuple(m.id for m in media)
        post.media_overrides = {p: tuple(m.id for m in ms) for p, ms in media_overrides.items()}
        post.thread = settings
        for spec in targets:
            parts = post._parts_of(spec.platform)
            post.targets.append(
                PostTarget.new(
                    id=spec.id,
                    integration_id=spec.integration_id,
                    platform=spec.platform,
                    content=parts[0].content,
                    now=now,
                )
            )
        post._retime(scheduled_at, now)
        return post

    @property
    def post_type(self) -> PostType:
        return PostType.THREAD if self.thread.is_thread else PostType.SINGLE

    @property
    def status(self) -> PostStatus:
        statuses = (t.status for t in self.targets)
        return derive_status(self.scheduled_at is not None, self.canceled_at is not None, statuses)

    @property
    def published_at(self) -> datetime | None:
        return max((t.published_at for t in self.targets if t.published_at), default=None)

    @property
    def last_changed_at(self) -> datetime:
        return max([self.updated_at, *(t.updated_at for t in self.targets)])

    @property
    def integration_ids(self) -> list[UUID]:
        return [t.integration_id for t in self.targets]

    @property
    def attached_media_ids(self) -> frozenset[UUID]:
        """Every media id the post uses, for any platform, its thread's parts included."""
        settings = self.thread
        parts = [*settings.parts, *(p for own in settings.part_overrides.values() for p in own)]
        return frozenset(self.media).union(
            *self.media_overrides.values(), *(part.media for part in parts)
        )

    def media_for(self, platform: Platform) -> tuple[UUID, ...]:
        """The platform's own media list if it has one, else the post's."""
        return self.media_overrides.get(platform, self.media)

    @property
    def uses_media(self) -> bool:
        """Whether media attached to it must be kept: while a draft, scheduled or
        publishing."""
        return self.status in _USING_MEDIA

    @property
    def platforms(self) -> set[Platform]:
        return {t.platform for t in self.targets}

    def attach(
        self,
        media: Sequence[Media],
        now: datetime,
        own: Mapping[Platform, Sequence[Media] | None] | None = None,
    ) -> None:
        """Replaces the post's media list and the platform lists named in `own` (None
        drops a platform's list, so it gets the post's again); other platform lists stay.
        Checked per platform as at creation, and the text must still be there for a
        platform left without media."""
        self.ensure_editable()
        own = own or {}
        kept = {p: ids for p, ids in self.media_overrides.items() if p not in own}
        given = {p: list(ms) for p, ms in own.items() if ms is not None}
        check_attachments(self.platforms - set(kept), media, given)
        with_media = {p for p in self.platforms if (kept[p] if p in kept else given.get(p, media))}
        if not self.thread.is_thread:
            check_content(self.content, self.overrides, self.platforms, with_media)
        ids = tuple(m.id for m in media)
        lists = {**kept, **{p: tuple(m.id for m in ms) for p, ms in given.items()}}
        if ids != self.media or lists != self.media_overrides:
            previous = self.media, self.media_overrides
            self.media, self.media_overrides = ids, lists
            try:
                self._retime(self.scheduled_at, now)
            except Exception:
                self.media, self.media_overrides = previous
                raise

    def sends_media_to(self, platform: Platform) -> bool:
        """Whether any part going to `platform` carries media (the post's or a part's own)."""
        return any(part.media for t in self.targets if t.platform is platform for part in t.parts)

    def _platforms_with_media(self) -> set[Platform]:
        return {p for p in self.platforms if self.media_for(p)}

    def target(self, target_id: UUID) -> PostTarget:
        return next(t for t in self.targets if t.id == target_id)

    def rewrite(self, content: str, now: datetime) -> None:
        self.ensure_editable()
        if not self.thread.is_thread:
            check_content(content, self.overrides, self.platforms, self._platforms_with_media())
        if content != self.content:
            previous, self.content = self.content, content
            try:
                self._retime(self.scheduled_at, now)
            except Exception:
                self.content = previous
                raise

    def rethread(self, settings: ThreadSettings, now: datetime) -> None:
        """New parts, references, languages or link preview choice, checked for every
        target before anything changes."""
        self.ensure_editable()
        checked = checked_settings(settings)
        previous, self.thread = self.thread, checked
        try:
            self._retime(self.scheduled_at, now)
        except Exception:
            self.thread = previous
            raise

    def reschedule(self, at: datetime | None, now: datetime) -> None:
        """A new time, checked against the bounds; None makes the post a draft again."""
        self.ensure_editable()
        if at is not None:
            check_schedule(at, now)
        if at != self.scheduled_at:
            self._retime(at, now)

    def retag(self, tags: Sequence[str], now: datetime) -> None:
        self.ensure_editable()
        check_tags(tags)
        if tuple(tags) != self.tags:
            self.tags, self.updated_at = tuple(tags), now

    def cancel(self, now: datetime) -> None:
        if self.status not in EDITABLE:
            raise PostNotCancelable(self.status.value)
        for target in self.targets:
            target.cancel(now)
        self.canceled_at = self.updated_at = now

    def claim(self, target_id: UUID, now: datetime, lease: timedelta) -> None:
        self.target(target_id).claim(now, lease)

    def release(self, target_id: UUID, attempts: int, now: datetime) -> bool:
        return self.target(target_id).release(attempts, now)

    def record(self, target_id: UUID, outcome: Outcome, now: datetime) -> None:
        self.target(target_id).record(outcome, now)

    def ensure_editable(self) -> None:
        if self.status not in EDITABLE:
            raise PostNotEditable(self.status.value)

    def _parts_of(self, platform: Platform) -> list[PartSpec]:
        text = effective_content(platform, self.content, self.overrides)
        return parts_for(platform, text, self.media_for(platform), self.thread)

    def _retime(self, at: datetime | None, now: datetime) -> None:
        """Every target's time and parts afresh; all parts are computed (and checked)
        before any target changes."""
        planned = [self._parts_of(target.platform) for target in self.targets]
        for target, parts in zip(self.targets, planned, strict=True):
            fresh = fresh_parts([(p.content, p.media) for p in parts])
            links = links_for(target.platform, self.thread)
            target.reschedule(at, parts[0].content, now, fresh, links)
        self.scheduled_at, self.updated_at = at, now
