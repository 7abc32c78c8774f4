"""The wire format of threads, replies, quotes and languages (API section 7), and how a
request's fields become the domain's `ThreadSettings`."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import msgspec

from domain.platform import Platform
from domain.post_part import PostPart
from domain.thread import PartSpec, PostType, ThreadChanges, ThreadSettings
from entrypoints.refusals import validation_error

PartContent = Annotated[str, msgspec.Meta(max_length=20_000)]
Reference = Annotated[
    str,
    msgspec.Meta(
        max_length=2_000,
        description="X: a status URL or an id. Bluesky: a bsky.app post URL or an at:// URI.",
    ),
]
Langs = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=64)]],
    msgspec.Meta(max_length=3, description="BCP 47 tags, at most 3 (Bluesky's `langs`)."),
]


class PartIn(msgspec.Struct, forbid_unknown_fields=True):
    content: PartContent = ""
    media: Annotated[list[str], msgspec.Meta(max_length=4)] = []


Parts = Annotated[
    list[PartIn],
    msgspec.Meta(max_length=25, description="2 to 25 parts, each replying to the one before."),
]


class PartOut(msgspec.Struct):
    index: int
    content: str
    media: list[str]
    status: Literal["pending", "published", "failed", "skipped"]
    platform_post_id: str | None
    platform_post_url: str | None


def part_out(part: PostPart) -> PartOut:
    return PartOut(
        index=part.index,
        content=part.content,
        media=[str(m) for m in part.media],
        status=part.status.value,
        platform_post_id=part.platform_post_id,
        platform_post_url=part.platform_post_url,
    )


def part_specs(parts: list[PartIn], prefix: str) -> tuple[PartSpec, ...]:
    return tuple(
        PartSpec(part.content, _media_ids(part.media, f"{prefix}[{index}].media"))
        for index, part in enumerate(parts)
    )


def _media_ids(values: list[str], field: str) -> tuple[UUID, ...]:
    ids = []
    for position, value in enumerate(values):
        try:
            ids.append(UUID(value))
        except ValueError:
            raise validation_error(f"{field}[{position}]", "must be a media id") from None
    return tuple(ids)


def thread_settings(
    *,
    post_type: str,
    parts: list[PartIn] | None,
    overrides: dict[Platform, object],
    link_preview: bool,
    langs: list[str],
) -> ThreadSettings:
    """The domain's settings from a create or edit request; `overrides` maps a platform to
    its override Struct (with `thread_parts`, `reply_to`, `quote_of`, `link_preview`)."""
    part_overrides: dict[Platform, tuple[PartSpec, ...]] = {}
    reply_to: dict[Platform, str] = {}
    quote_of: dict[Platform, str] = {}
    previews: dict[Platform, bool] = {}
    for platform, given in overrides.items():
        name = f"platform_overrides.{platform.value}"
        own_parts = getattr(given, "thread_parts", None)
        if own_parts is not None:
            part_overrides[platform] = part_specs(own_parts, f"{name}.thread_parts")
        for kind, found in (("reply_to", reply_to), ("quote_of", quote_of)):
            value = getattr(given, kind, None)
            if value is not None:
                found[platform] = value
        preview = getattr(given, "link_preview", None)
        if preview is not None:
            previews[platform] = bool(preview)
    return ThreadSettings(
        post_type=PostType(post_type),
        parts=part_specs(parts, "thread_parts") if parts is not None else (),
        part_overrides=part_overrides,
        reply_to=reply_to,
        quote_of=quote_of,
        link_preview=link_preview,
        link_preview_overrides=previews,
        langs=tuple(langs),
    )


def thread_changes(
    *,
    post_type: object,
    parts: object,
    link_preview: object,
    langs: object,
) -> ThreadChanges | None:
    """An edit's thread fields (msgspec.UNSET when not given); None when none is given.
    `thread_parts: null` drops the explicit parts."""
    given = {
        "post_type": post_type,
        "parts": parts,
        "link_preview": link_preview,
        "langs": langs,
    }
    if all(value is msgspec.UNSET for value in given.values()):
        return None
    specs = None
    if isinstance(parts, list):
        specs = part_specs(parts, "thread_parts")
    elif parts is None:
        specs = ()
    return ThreadChanges(
        post_type=PostType(post_type) if isinstance(post_type, str) else None,
        parts=specs,
        link_preview=link_preview if isinstance(link_preview, bool) else None,
        langs=tuple(langs) if isinstance(langs, list) else None,
    )
