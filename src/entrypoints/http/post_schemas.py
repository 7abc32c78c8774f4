"""The wire format of posts: request and response Structs, shared by every entrypoint (the
MCP tools take and return the same shapes). Timestamps go out as `%Y-%m-%dT%H:%M:%SZ`;
how they come in is `params.parse_timestamp`'s rule."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from application.publish_chain import THREAD_INCOMPLETE
from domain import post as domain
from domain import post_target
from domain.platform import Platform
from entrypoints.http.schemas import Id, PlatformName, Timestamp, utc_seconds
from entrypoints.http.thread_schemas import Langs, PartOut, Parts, Reference, part_out
from entrypoints.refusals import validation_error

Content = Annotated[
    str, msgspec.Meta(max_length=20_000, description="The text; checked per target platform.")
]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Tags = Annotated[list[Tag], msgspec.Meta(max_length=50, description="Your labels, 0 to 50.")]
ScheduleAt = Annotated[
    str | None,
    msgspec.Meta(
        description='RFC 3339 with an offset, "next_slot", or null for a draft.',
        examples=["2026-04-17T13:00:00Z", "next_slot"],
    ),
]

MediaIds = Annotated[
    list[str], msgspec.Meta(max_length=10, description="Media ids, in the order to show.")
]


class PlatformOverride(msgspec.Struct, forbid_unknown_fields=True):
    content: Content | None = None
    media: MediaIds | None = None
    thread_parts: Parts | None = None
    reply_to: Reference | None = None
    quote_of: Reference | None = None
    link_preview: bool | None = None


class PlatformOverrides(msgspec.Struct, forbid_unknown_fields=True):
    """Content or media for one platform instead of the post's."""

    twitter: PlatformOverride | None = None
    bluesky: PlatformOverride | None = None

    def given(self) -> dict[Platform, PlatformOverride]:
        """The overrides given; one that says nothing is refused (on its `content`, the
        field an override most often carries)."""
        given = {Platform.TWITTER: self.twitter, Platform.BLUESKY: self.bluesky}
        found = {platform: o for platform, o in given.items() if o is not None}
        for platform, override in found.items():
            if all(getattr(override, name) is None for name in override.__struct_fields__):
                field = f"platform_overrides.{platform.value}.content"
                raise validation_error(field, "an override needs content, media or a thread field")
        return found

    def as_map(self) -> dict[Platform, str]:
        given = self.given().items()
        return {platform: o.content for platform, o in given if o.content is not None}

    def media_map(self) -> dict[Platform, list[str]]:
        given = self.given().items()
        return {platform: o.media for platform, o in given if o.media is not None}


class PlatformMediaChange(msgspec.Struct, forbid_unknown_fields=True):
    media: Annotated[
        MediaIds | None,
        msgspec.Meta(description="The platform's own media; null: the post's media again."),
    ]


class PlatformMediaChanges(msgspec.Struct, forbid_unknown_fields=True):
    """On an edit, platform overrides change only their media."""

    twitter: PlatformMediaChange | msgspec.UnsetType = msgspec.UNSET
    bluesky: PlatformMediaChange | msgspec.UnsetType = msgspec.UNSET

    def media_map(self) -> dict[Platform, list[str] | None]:
        given = {Platform.TWITTER: self.twitter, Platform.BLUESKY: self.bluesky}
        return {p: c.media for p, c in given.items() if isinstance(c, PlatformMediaChange)}


class NewPost(msgspec.Struct, forbid_unknown_fields=True):
    """A post to create: a draft, at a time, or at the next free slot; one post or a
    thread (`thread_parts`, or `post_type: "thread"` to split `content`)."""

    integrations: Annotated[
        list[str],
        msgspec.Meta(
            description="Integration ids, 1 to 20.",
            examples=[["0195f1d2-7b9c-7a10-8c1e-2f4b6d8e9a01"]],
        ),
    ]
    content: Content = ""
    schedule_at: ScheduleAt = None
    tags: Tags = []
    platform_overrides: PlatformOverrides | None = None
    media: MediaIds = []
    post_type: Literal["single", "thread"] = "single"
    thread_parts: Parts | None = None
    link_preview: bool = True
    langs: Langs = []


class PostChanges(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields given change; `schedule_at: null` makes the post a draft again."""

    content: Content | msgspec.UnsetType = msgspec.UNSET
    schedule_at: ScheduleAt | msgspec.UnsetType = msgspec.UNSET
    tags: Tags | msgspec.UnsetType = msgspec.UNSET
    media: MediaIds | msgspec.UnsetType = msgspec.UNSET
    platform_overrides: PlatformMediaChanges | msgspec.UnsetType = msgspec.UNSET
    post_type: Literal["single", "thread"] | msgspec.UnsetType = msgspec.UNSET
    thread_parts: Parts | msgspec.UnsetType | None = msgspec.UNSET
    link_preview: bool | msgspec.UnsetType = msgspec.UNSET
    langs: Langs | msgspec.UnsetType = msgspec.UNSET


class PostTargetError(msgspec.Struct, omit_defaults=True):
    code: Annotated[str, msgspec.Meta(examples=["platform_unavailable_upstream"])]
    message: str
    details: dict[str, int] | None = None


class PostTarget(msgspec.Struct):
    """The post on one integration: its own status and, once published, its address."""

    integration_id: Id
    platform: PlatformName
    status: Literal["pending", "publishing", "published", "failed", "canceled"]
    platform_post_id: str | None
    platform_post_url: str | None
    error: PostTargetError | None
    attempts: int
    media: list[str]
    parts: list[PartOut]


class Post(msgspec.Struct):
    """A post to one or more integrations."""

    id: Id
    status: Literal["draft", "canceled", "scheduled", "publishing", "published", "failed"]
    post_type: Literal["single", "thread"]
    content: str
    scheduled_at: Timestamp | None
    published_at: Timestamp | None
    tags: list[str]
    post_targets: list[PostTarget]
    media: list[str]
    created_at: Timestamp
    updated_at: Timestamp


class PostList(msgspec.Struct):
    data: list[Post]
    has_more: bool


def _seconds(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc_seconds(moment)


def _error_out(target: post_target.PostTarget) -> PostTargetError:
    """`thread_incomplete` says how many parts went out (`details.published_parts`)."""
    assert target.error is not None
    details = None
    if target.error.code == THREAD_INCOMPLETE:
        details = {"published_parts": sum(1 for p in target.parts if p.is_published)}
    return PostTargetError(target.error.code, target.error.message, details)


def post_out(post: domain.Post) -> Post:
    return Post(
        id=post.id,
        status=post.status.value,
        post_type=post.post_type.value,
        content=post.content,
        scheduled_at=_seconds(post.scheduled_at),
        published_at=_seconds(post.published_at),
        tags=list(post.tags),
        post_targets=[
            PostTarget(
                integration_id=t.integration_id,
                platform=t.platform.value,
                status=t.status.value,
                platform_post_id=t.platform_post_id,
                platform_post_url=t.platform_post_url,
                error=_error_out(t) if t.error else None,
                attempts=t.attempts,
                media=[str(m) for m in post.media_for(t.platform)],
                parts=[part_out(p) for p in t.parts],
            )
            for t in post.targets
        ],
        media=[str(m) for m in post.media],
        created_at=utc_seconds(post.created_at),
        updated_at=utc_seconds(post.last_changed_at),
    )
