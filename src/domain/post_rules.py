"""What a post may say and when it may go out.

- Content is checked per target platform, the platform's override if there is one, else
  the base content: X by weighted length (at most 280: URLs 23, most CJK and emoji 2),
  Bluesky by graphemes (at most 300, and 3000 UTF-8 bytes). Blank content is refused,
  except for a platform that gets media.
- Text never holds a NUL character (no platform takes one, and PostgreSQL cannot store it).
- Tags: at most 50, each 1 to 100 characters.
- A schedule is at least 60 s and at most 180 days after the moment the request was
  received, both bounds inclusive.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from domain.errors import ContentTooLong, InvalidPostInput
from domain.platform import Platform
from domain.text import (
    BLUESKY_MAX_BYTES,
    BLUESKY_MAX_GRAPHEMES,
    X_MAX_WEIGHTED,
    bluesky_fits,
    bluesky_graphemes,
    x_fits,
    x_weighted_length,
)

MIN_LEAD = timedelta(seconds=60)
MAX_AHEAD = timedelta(days=180)
MAX_TAGS = 50
MAX_TAG_LENGTH = 100


def override_field(platform: Platform) -> str:
    return f"platform_overrides.{platform.value}.content"


def effective_content(platform: Platform, content: str, overrides: Mapping[Platform, str]) -> str:
    return overrides.get(platform, content)


def check_content(
    content: str,
    overrides: Mapping[Platform, str],
    platforms: Iterable[Platform],
    with_media: Collection[Platform] = (),
) -> None:
    """Every text that would be sent fits its platform; every override given is usable.
    A platform that gets media may get no text (`with_media`)."""
    targets = set(platforms)
    base_users = targets - set(overrides)
    if not content.strip() and not (base_users and base_users <= set(with_media)):
        raise InvalidPostInput("content", "must not be empty")
    if "\x00" in content:
        raise InvalidPostInput("content", "must not contain NUL characters")
    for platform, text in overrides.items():
        _check_text(platform, text, override_field(platform), platform in with_media)
    for platform in base_users:
        _check_text(platform, content, "content", platform in with_media)


def check_part_text(platform: Platform, text: str, has_media: bool, field: str) -> None:
    """One part of a thread: empty only with media; otherwise the platform's limits."""
    if not text.strip():
        if has_media:
            return
        raise InvalidPostInput(field, "must not be empty unless the part has media")
    _check_text(platform, text, field)


def _check_text(platform: Platform, text: str, field: str, blank_allowed: bool = False) -> None:
    if not text.strip():
        if blank_allowed:
            return
        raise InvalidPostInput(field, "must not be empty")
    if "\x00" in text:
        raise InvalidPostInput(field, "must not contain NUL characters")
    if platform is Platform.TWITTER and not x_fits(text):
        weight = x_weighted_length(text)
        if weight <= X_MAX_WEIGHTED:
            raise InvalidPostInput(field, "contains characters X does not accept")
        raise ContentTooLong(
            field, f"X allows {X_MAX_WEIGHTED} weighted characters; this text has {weight}"
        )
    if platform is Platform.BLUESKY and not bluesky_fits(text):
        count = bluesky_graphemes(text)
        if count > BLUESKY_MAX_GRAPHEMES:
            raise ContentTooLong(
                field, f"Bluesky allows {BLUESKY_MAX_GRAPHEMES} characters; this text has {count}"
            )
        raise ContentTooLong(field, f"Bluesky allows at most {BLUESKY_MAX_BYTES} bytes of text")


def check_tags(tags: Sequence[str]) -> None:
    if len(tags) > MAX_TAGS:
        raise InvalidPostInput("tags", f"at most {MAX_TAGS} tags")
    for index, tag in enumerate(tags):
        if not 1 <= len(tag) <= MAX_TAG_LENGTH or "\x00" in tag:
            reason = f"a tag is 1 to {MAX_TAG_LENGTH} characters, without NUL"
            raise InvalidPostInput(f"tags[{index}]", reason)


def check_schedule(at: datetime, now: datetime) -> None:
    """`at` lies in [now + 60 s, now + 180 days]."""
    if at < now + MIN_LEAD:
        raise InvalidPostInput("schedule_at", "must be at least 60 seconds in the future")
    if at > now + MAX_AHEAD:
        raise InvalidPostInput("schedule_at", "must be at most 180 days in the future")
