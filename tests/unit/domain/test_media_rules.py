"""The per-platform media rule, stated as its definition and checked on every mix."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidMediaInput, MediaNotSupported
from domain.media import Media, MediaFacts, MediaKind, StoredBytes
from domain.media_rules import check_media_for
from domain.platform import Platform

NOW = datetime(2026, 4, 17, tzinfo=UTC)


def media(kind: MediaKind, duration_ms: int = 1000) -> Media:
    facts = MediaFacts(kind, "x/y", 10, 10, duration_ms if kind is MediaKind.VIDEO else None)
    return Media.create(
        id=uuid4(), workspace_id=uuid4(), facts=facts, stored=StoredBytes(1, "0" * 64),
        alt_text=None, now=NOW,
    )  # fmt: skip


lists = st.lists(
    st.tuples(st.sampled_from(list(MediaKind)), st.integers(1, 300_000)), max_size=6
).map(lambda items: [media(kind, ms) for kind, ms in items])


def x_allows(items: list[Media]) -> bool:
    kinds = [m.kind for m in items]
    if not kinds or all(k is MediaKind.IMAGE for k in kinds):
        return len(kinds) <= 4
    if len(kinds) != 1:
        return False
    return kinds[0] is MediaKind.GIF or (items[0].duration_ms or 0) <= 140_000


def accepted(platform: Platform, items: list[Media]) -> bool:
    try:
        check_media_for(platform, items, "media")
    except InvalidMediaInput:
        return False
    return True


@given(lists)
def test_x_takes_up_to_four_images_or_one_gif_or_one_short_video(items: list[Media]) -> None:
    assert accepted(Platform.TWITTER, items) == x_allows(items)


@given(lists)
def test_bluesky_takes_up_to_four_images_only(items: list[Media]) -> None:
    only_images = all(m.kind is MediaKind.IMAGE for m in items)
    assert accepted(Platform.BLUESKY, items) == (only_images and len(items) <= 4)
    if not only_images:
        with pytest.raises(MediaNotSupported):
            check_media_for(Platform.BLUESKY, items, "media")


@given(lists)
def test_a_refusal_names_the_field_and_the_rule(items: list[Media]) -> None:
    for platform in (Platform.TWITTER, Platform.BLUESKY):
        try:
            check_media_for(platform, items, "platform_overrides.x.media")
        except InvalidMediaInput as refused:
            assert refused.details["field"] == "platform_overrides.x.media"
            assert refused.details["reason"]


def test_the_video_limit_is_inclusive() -> None:
    check_media_for(Platform.TWITTER, [media(MediaKind.VIDEO, 140_000)], "media")
    with pytest.raises(InvalidMediaInput, match="140 seconds"):
        check_media_for(Platform.TWITTER, [media(MediaKind.VIDEO, 140_001)], "media")
