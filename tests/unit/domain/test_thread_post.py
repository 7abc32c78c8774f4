"""A post as a thread, reply or quote: its parts per platform and the rules on them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.errors import ContentTooLong, InvalidPostInput, PostNotEditable
from domain.outcomes import Failed, Published
from domain.platform import Platform
from domain.post import Post, TargetSpec
from domain.post_part import PartStatus
from domain.thread import PartSpec, PostType, ThreadSettings

NOW = datetime(2026, 4, 17, 10, tzinfo=UTC)
AT = NOW + timedelta(hours=1)
X, BSKY = Platform.TWITTER, Platform.BLUESKY


def create(settings: ThreadSettings, content: str = "", **kw: object) -> Post:
    targets = [TargetSpec(uuid4(), uuid4(), X), TargetSpec(uuid4(), uuid4(), BSKY)]
    return Post.create(
        id=uuid4(),
        workspace_id=uuid4(),
        content=content,
        targets=targets,
        now=NOW,
        scheduled_at=AT,
        thread=settings,
        **kw,  # type: ignore[arg-type]
    )


def contents(post: Post, platform: Platform) -> list[str]:
    [target] = [t for t in post.targets if t.platform is platform]
    return [part.content for part in target.parts]


def test_a_single_post_is_one_part() -> None:
    post = create(ThreadSettings(), "hello")
    assert post.post_type is PostType.SINGLE
    assert contents(post, X) == contents(post, BSKY) == ["hello"]
    assert [p.status for p in post.targets[0].parts] == [PartStatus.PENDING]


def test_thread_parts_go_to_every_platform_unless_overridden() -> None:
    media = uuid4()
    settings = ThreadSettings(
        parts=(PartSpec("one", (media,)), PartSpec("two")),
        part_overrides={BSKY: (PartSpec("sky 1"), PartSpec("sky 2"), PartSpec("sky 3"))},
    )
    post = create(settings)
    assert post.post_type is PostType.THREAD
    assert contents(post, X) == ["one", "two"]
    assert post.targets[0].parts[0].media == (media,)
    assert contents(post, BSKY) == ["sky 1", "sky 2", "sky 3"]
    assert post.targets[0].content == "one"


def test_post_type_thread_splits_the_content_per_platform() -> None:
    text = "\n\n".join(["a" * 200, "b" * 200])  # 401: two parts on X, two on Bluesky
    post = create(ThreadSettings(post_type=PostType.THREAD), text + "\n---\nend")
    assert contents(post, X) == ["a" * 200, "b" * 200, "end"]
    assert contents(post, BSKY) == ["a" * 200, "b" * 200, "end"]
    short = create(ThreadSettings(post_type=PostType.THREAD), "c" * 290)
    assert len(contents(short, X)) == 2 and len(contents(short, BSKY)) == 1


@pytest.mark.parametrize("count", [1, 26])
def test_a_thread_has_2_to_25_parts(count: int) -> None:
    with pytest.raises(InvalidPostInput) as refused:
        create(ThreadSettings(parts=tuple(PartSpec(f"p{i}") for i in range(count))))
    assert refused.value.field == "thread_parts"


def test_each_part_is_checked_and_named() -> None:
    with pytest.raises(InvalidPostInput) as empty:
        create(ThreadSettings(parts=(PartSpec("one"), PartSpec("  "))))
    assert empty.value.field == "thread_parts[1].content"
    with_media = create(ThreadSettings(parts=(PartSpec("one"), PartSpec("", (uuid4(),)))))
    assert contents(with_media, X) == ["one", ""]
    with pytest.raises(ContentTooLong) as long:
        create(ThreadSettings(parts=(PartSpec("ok"), PartSpec("ok"), PartSpec("x" * 281))))
    assert long.value.field == "thread_parts[2].content"
    overridden = ThreadSettings(
        parts=(PartSpec("a"), PartSpec("b")),
        part_overrides={BSKY: (PartSpec("a"), PartSpec("y" * 301))},
    )
    with pytest.raises(ContentTooLong) as sky:
        create(overridden)
    assert sky.value.field == "platform_overrides.bluesky.thread_parts[1].content"


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (ThreadSettings(reply_to={X: "https://bsky.app/profile/a.test/post/3k"}), "reply_to"),
        (ThreadSettings(quote_of={BSKY: "https://x.com/a/status/1"}), "quote_of"),
        (ThreadSettings(reply_to={BSKY: "at://nobody/app.bsky.feed.post/3k"}), "reply_to"),
    ],
)
def test_references_must_parse_for_their_platform(settings: ThreadSettings, field: str) -> None:
    with pytest.raises(InvalidPostInput) as refused:
        create(settings, "hello")
    platform = next(iter({**settings.reply_to, **settings.quote_of}))
    assert refused.value.field == f"platform_overrides.{platform.value}.{field}"


def test_langs_are_standardized_or_refused_by_index() -> None:
    post = create(ThreadSettings(langs=("EN-us", "pt-br")), "hello")
    assert post.thread.langs == ("en-US", "pt-BR")
    with pytest.raises(InvalidPostInput) as refused:
        create(ThreadSettings(langs=("en", "klingon")), "hello")
    assert refused.value.field == "langs[1]"
    with pytest.raises(InvalidPostInput) as many:
        create(ThreadSettings(langs=("en", "de", "fr", "it")), "hello")
    assert many.value.field == "langs"


def test_parts_change_while_editable_and_a_bad_change_changes_nothing() -> None:
    post = create(ThreadSettings(parts=(PartSpec("one"), PartSpec("two"))))
    post.rethread(ThreadSettings(parts=(PartSpec("1"), PartSpec("2"), PartSpec("3"))), NOW)
    assert contents(post, BSKY) == ["1", "2", "3"]
    with pytest.raises(InvalidPostInput):
        post.rethread(ThreadSettings(parts=(PartSpec("1"), PartSpec("x" * 400))), NOW)
    assert contents(post, X) == ["1", "2", "3"] and len(post.thread.parts) == 3
    post.claim(post.targets[0].id, AT, timedelta(minutes=2))
    with pytest.raises(PostNotEditable):
        post.rethread(ThreadSettings(parts=(PartSpec("a"), PartSpec("b"))), AT)


def test_a_single_post_s_part_follows_its_target() -> None:
    post = create(ThreadSettings(), "hello")
    x, sky = post.targets
    post.claim(x.id, AT, timedelta(minutes=2))
    post.record(x.id, Published("1", "https://x.com/u/status/1"), AT)
    post.claim(sky.id, AT, timedelta(minutes=2))
    post.record(sky.id, Failed("content_rejected", "no"), AT)
    assert (x.parts[0].status, x.parts[0].platform_post_id) == (PartStatus.PUBLISHED, "1")
    assert sky.parts[0].status is PartStatus.FAILED


def test_a_failure_fails_the_first_unsent_part_and_skips_the_rest() -> None:
    post = create(ThreadSettings(parts=(PartSpec("1"), PartSpec("2"), PartSpec("3"))))
    target = post.targets[0]
    target.parts[0].published("1", "u", None)
    post.claim(target.id, AT, timedelta(minutes=2))
    post.record(target.id, Failed("outcome_unknown", "cut off"), AT)
    assert [p.status for p in target.parts] == [
        PartStatus.PUBLISHED,
        PartStatus.FAILED,
        PartStatus.SKIPPED,
    ]


def test_a_text_to_split_is_refused_with_a_nul_or_with_nothing_to_read() -> None:
    for text in ("a\x00b", "   "):
        with pytest.raises(InvalidPostInput) as refused:
            create(ThreadSettings(post_type=PostType.THREAD), text)
        assert refused.value.field == "content"
