"""What makes a post a thread, a reply or a quote, and the parts each platform gets.

- `thread_parts` (2 to 25, each content and media) make a thread; or `post_type: thread`
  with `content`, split per platform (`domain.thread_split`); a platform's own
  `thread_parts` override both for it. A single post is one part.
- Every part is checked for the platform it goes to: something to read or media, and
  within the platform's length (fields such as `thread_parts[3].content`).
- `reply_to` / `quote_of` are per platform and must parse (`domain.references`); `langs`
  are BCP 47 tags (`domain.languages`); `link_preview` (on by default, off for the post
  or for Bluesky alone) decides Bluesky's link cards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from uuid import UUID

from domain.errors import InvalidPostInput
from domain.languages import InvalidLanguageTag, normalize_langs
from domain.platform import Platform
from domain.post_rules import check_part_text
from domain.references import InvalidReference, PostRef, parse_reference
from domain.thread_split import (
    MAX_THREAD_PARTS,
    MIN_THREAD_PARTS,
    ThreadSplitImpossible,
    split_for,
)


class PostType(StrEnum):
    SINGLE = "single"
    THREAD = "thread"


@dataclass(frozen=True, slots=True)
class PartSpec:
    content: str
    media: tuple[UUID, ...] = ()


@dataclass(frozen=True, slots=True)
class ThreadSettings:
    post_type: PostType = PostType.SINGLE
    parts: tuple[PartSpec, ...] = ()
    part_overrides: Mapping[Platform, tuple[PartSpec, ...]] = field(default_factory=dict)
    reply_to: Mapping[Platform, str] = field(default_factory=dict)
    quote_of: Mapping[Platform, str] = field(default_factory=dict)
    link_preview: bool = True
    link_preview_overrides: Mapping[Platform, bool] = field(default_factory=dict)
    langs: tuple[str, ...] = ()

    @property
    def is_thread(self) -> bool:
        return self.post_type is PostType.THREAD or bool(self.parts or self.part_overrides)

    def link_cards_for(self, platform: Platform) -> bool:
        return self.link_preview_overrides.get(platform, self.link_preview)

    def reference(self, platform: Platform, kind: str) -> PostRef | None:
        """The parsed `reply_to` or `quote_of` reference for `platform` (checked at create)."""
        raw = (self.reply_to if kind == "reply_to" else self.quote_of).get(platform)
        return parse_reference(platform, raw) if raw else None


@dataclass(frozen=True, slots=True)
class ThreadChanges:
    """An edit's thread fields; None keeps the current value. `parts=()` drops explicit
    parts (the post is split from its content, or single, again)."""

    post_type: PostType | None = None
    parts: tuple[PartSpec, ...] | None = None
    link_preview: bool | None = None
    langs: tuple[str, ...] | None = None

    def applied_to(self, settings: ThreadSettings) -> ThreadSettings:
        changed = {
            name: value
            for name in ("post_type", "parts", "link_preview", "langs")
            if (value := getattr(self, name)) is not None
        }
        if self.parts and self.post_type is None:
            changed["post_type"] = PostType.THREAD
        return replace(settings, **changed)


@dataclass(frozen=True, slots=True)
class TargetLinks:
    """What links one target's first part to other posts, and its languages and cards."""

    reply_to: str | None = None
    quote_of: str | None = None
    langs: tuple[str, ...] = ()
    link_cards: bool = True

    @property
    def any(self) -> bool:
        return bool(self.reply_to or self.quote_of or self.langs)


def links_for(platform: Platform, settings: ThreadSettings) -> TargetLinks:
    return TargetLinks(
        settings.reply_to.get(platform),
        settings.quote_of.get(platform),
        settings.langs,
        settings.link_cards_for(platform),
    )


def checked_settings(settings: ThreadSettings) -> ThreadSettings:
    """`settings` with its languages in standard form; raises `InvalidPostInput` naming the
    first bad field."""
    _check_count(settings.parts, "thread_parts")
    for platform, parts in settings.part_overrides.items():
        _check_count(parts, f"platform_overrides.{platform.value}.thread_parts")
    for kind, references in (("reply_to", settings.reply_to), ("quote_of", settings.quote_of)):
        for platform, raw in references.items():
            try:
                parse_reference(platform, raw)
            except InvalidReference as error:
                field = f"platform_overrides.{platform.value}.{kind}"
                raise InvalidPostInput(field, str(error)) from None
    try:
        langs = normalize_langs(settings.langs)
    except InvalidLanguageTag as error:
        name = "langs" if error.index < 0 else f"langs[{error.index}]"
        raise InvalidPostInput(name, error.reason) from None
    return ThreadSettings(
        settings.post_type, settings.parts, dict(settings.part_overrides),
        dict(settings.reply_to), dict(settings.quote_of), settings.link_preview,
        dict(settings.link_preview_overrides), langs,
    )  # fmt: skip


def parts_for(
    platform: Platform, content: str, media: Sequence[UUID], settings: ThreadSettings
) -> list[PartSpec]:
    """The parts `platform` gets, each checked; raises `InvalidPostInput` naming the part."""
    if platform in settings.part_overrides:
        parts = settings.part_overrides[platform]
        prefix = f"platform_overrides.{platform.value}.thread_parts"
    elif settings.parts:
        parts, prefix = settings.parts, "thread_parts"
    elif settings.post_type is PostType.THREAD:
        return _split(platform, content, tuple(media))
    else:
        return [PartSpec(content, tuple(media))]
    for index, part in enumerate(parts):
        check_part_text(platform, part.content, bool(part.media), f"{prefix}[{index}].content")
    return list(parts)


def _split(platform: Platform, content: str, media: tuple[UUID, ...]) -> list[PartSpec]:
    """The text cut for the platform; the post's media go with the first part."""
    if not content.strip():
        raise InvalidPostInput("content", "a thread needs text to split")
    if "\x00" in content:
        raise InvalidPostInput("content", "must not contain NUL characters")
    try:
        texts = split_for(platform, content)
    except ThreadSplitImpossible as error:
        reason = f"cannot be split for {platform.value}: {error}"
        raise InvalidPostInput("content", reason) from None
    return [PartSpec(text, media if index == 0 else ()) for index, text in enumerate(texts)]


def _check_count(parts: Sequence[PartSpec], name: str) -> None:
    if parts and not MIN_THREAD_PARTS <= len(parts) <= MAX_THREAD_PARTS:
        reason = f"a thread has {MIN_THREAD_PARTS} to {MAX_THREAD_PARTS} parts"
        raise InvalidPostInput(name, reason)
