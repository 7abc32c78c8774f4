"""The Post aggregate: derived status, the moves it allows, content and schedule rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import (
    ContentTooLong,
    IllegalTransition,
    InvalidPostInput,
    PostNotCancelable,
    PostNotEditable,
)
from domain.outcomes import Failed, LeaseExpired, Published, RateLimited, Transient
from domain.platform import Platform
from domain.post import Post, PostStatus, TargetSpec, derive_status
from domain.post_target import TargetStatus

NOW = datetime(2026, 4, 17, 10, 0, 0, 500_000, tzinfo=UTC)
LEASE = timedelta(seconds=120)
S = TargetStatus
statuses = st.lists(st.sampled_from(list(TargetStatus)), min_size=1, max_size=6)


def a_post(*platforms: Platform, at: datetime | None = NOW + timedelta(hours=1), **kw) -> Post:
    specs = [TargetSpec(uuid4(), uuid4(), p) for p in platforms or (Platform.TWITTER,)]
    kw.setdefault("content", "hello")
    return Post.create(
        id=uuid4(), workspace_id=uuid4(), targets=specs, now=NOW, scheduled_at=at, **kw
    )


# --- derived status -----------------------------------------------------------------


@given(statuses, st.booleans())
def test_a_canceled_post_is_canceled_whatever_its_targets(targets, scheduled) -> None:
    assert derive_status(scheduled, True, targets) is PostStatus.CANCELED


@given(statuses)
def test_without_a_time_a_post_is_a_draft_unless_canceled(targets) -> None:
    expected = PostStatus.CANCELED if set(targets) == {S.CANCELED} else PostStatus.DRAFT
    assert derive_status(False, False, targets) is expected


@given(statuses)
def test_a_scheduled_post_status_follows_the_contract(targets) -> None:
    status = derive_status(True, False, targets)
    if all(t is S.CANCELED for t in targets):
        assert status is PostStatus.CANCELED
    elif all(t is S.PENDING for t in targets):
        assert status is PostStatus.SCHEDULED
    elif any(t in (S.PENDING, S.PUBLISHING) for t in targets):
        assert status is PostStatus.PUBLISHING
    elif all(t is S.PUBLISHED for t in targets):
        assert status is PostStatus.PUBLISHED
    elif any(t is S.FAILED for t in targets):
        assert status is PostStatus.FAILED


@given(statuses)
def test_finished_means_no_target_left_to_send(targets) -> None:
    status = derive_status(True, False, targets)
    unsent = any(t in (S.PENDING, S.PUBLISHING) for t in targets)
    assert (status in (PostStatus.SCHEDULED, PostStatus.PUBLISHING)) == unsent


# --- transitions, as random event sequences ------------------------------------------

events = st.lists(
    st.sampled_from(
        [
            "claim", "published", "failed", "unsent", "transient", "rate_limited",
            "rate_limited_long", "lease_expired", "cancel", "late", "release",
        ]
    ),
    max_size=20,
)  # fmt: skip


def _apply(post: Post, event: str, now: datetime) -> None:
    tid = post.targets[0].id
    match event:
        case "claim":
            post.claim(tid, now, LEASE)
        case "published":
            post.record(tid, Published("1", "https://x.com/a/status/1"), now)
        case "failed":
            post.record(tid, Failed("content_rejected", "duplicate"), now)
        case "unsent":
            post.record(tid, Failed("integration_disconnected", "gone", sent=False), now)
        case "transient":
            post.record(tid, Transient("503", jitter=0.3), now)
        case "rate_limited":
            post.record(tid, RateLimited(now + timedelta(minutes=5)), now)
        case "rate_limited_long":
            post.record(tid, RateLimited(now + timedelta(hours=3)), now)
        case "lease_expired":
            post.record(tid, LeaseExpired(), now + LEASE)
        case "cancel":
            post.cancel(now)
        case "late":
            post.record(tid, Published("2", "https://x.com/a/status/2"), now)
        case "release":
            post.release(tid, post.targets[0].attempts, now)


@given(events)
def test_every_reachable_target_state_is_consistent(sequence) -> None:
    post = a_post()
    target = post.targets[0]
    now = NOW
    finished_at_unknown = False
    for event in sequence:
        now += timedelta(minutes=1)
        before = target.status
        try:
            _apply(post, event, now)
        except (IllegalTransition, PostNotCancelable):
            continue
        if before in (S.PUBLISHED, S.CANCELED):
            assert target.status is before, "published and canceled are final"
        if before is S.FAILED and target.status is not S.FAILED:
            assert finished_at_unknown and target.status is S.PUBLISHED
        finished_at_unknown = target.error is not None and target.error.code == "outcome_unknown"
        assert 0 <= target.retries <= 3
        assert 0 <= target.attempts <= 1 + target.retries + sequence.count("rate_limited")
        assert (target.lease_expires_at is not None) == (target.status is S.PUBLISHING)
        assert (target.error is not None) == (target.status is S.FAILED)
        assert (target.platform_post_id is not None) == (target.status is S.PUBLISHED)
        if target.status is S.PENDING:
            assert target.next_attempt_at is not None


def test_a_claim_counts_an_attempt_and_takes_a_lease() -> None:
    post = a_post()
    target = post.targets[0]
    post.claim(target.id, NOW, LEASE)
    assert (target.status, target.attempts, target.lease_expires_at) == (
        S.PUBLISHING, 1, NOW + LEASE,
    )  # fmt: skip
    assert post.status is PostStatus.PUBLISHING


def test_transient_failures_retry_three_times_with_growing_backoff_then_fail() -> None:
    post = a_post()
    target, now, delays = post.targets[0], NOW, []
    for _ in range(3):
        post.claim(target.id, now, LEASE)
        post.record(target.id, Transient("connect failed", jitter=0.0), now)
        assert target.status is S.PENDING
        delays.append(target.next_attempt_at - now)  # type: ignore[operator]
        now = target.next_attempt_at  # type: ignore[assignment]
    post.claim(target.id, now, LEASE)
    post.record(target.id, Transient("503", jitter=0.0), now)
    assert delays == [timedelta(seconds=15), timedelta(seconds=30), timedelta(seconds=60)]
    assert target.status is S.FAILED and target.error.code == "platform_unavailable_upstream"
    assert target.attempts == 4 and post.status is PostStatus.FAILED


def test_a_rate_limit_defers_without_using_a_retry() -> None:
    post = a_post()
    target = post.targets[0]
    reset = NOW + timedelta(minutes=70)
    post.claim(target.id, NOW, LEASE)
    post.record(target.id, RateLimited(reset), NOW)
    assert (target.status, target.next_attempt_at, target.retries) == (S.PENDING, reset, 0)


def test_a_rate_limit_past_60_minutes_after_the_schedule_fails() -> None:
    post = a_post()
    target = post.targets[0]
    post.claim(target.id, NOW, LEASE)
    post.record(target.id, RateLimited(target.scheduled_at + timedelta(minutes=61)), NOW)
    assert target.status is S.FAILED and target.error.code == "platform_rate_limited"


def test_an_expired_lease_fails_outcome_unknown_and_is_never_claimed_again() -> None:
    post = a_post()
    target = post.targets[0]
    post.claim(target.id, NOW, LEASE)
    post.record(target.id, LeaseExpired(), NOW + LEASE - timedelta(seconds=1))
    assert target.status is S.PUBLISHING
    post.record(target.id, LeaseExpired(), NOW + LEASE)
    assert target.status is S.FAILED and target.error.code == "outcome_unknown"
    with pytest.raises(IllegalTransition):
        post.claim(target.id, NOW + LEASE, LEASE)
    post.record(target.id, Published("9", "https://x.com/a/status/9"), NOW + LEASE)
    assert target.status is S.PUBLISHED, "a late answer beats the guess"


def test_a_claim_given_back_is_due_again_with_its_attempt_uncounted() -> None:
    post = a_post()
    target = post.targets[0]
    post.claim(target.id, NOW, LEASE)
    assert post.release(target.id, 1, NOW + timedelta(seconds=3))
    assert (target.status, target.attempts, target.next_attempt_at, target.lease_expires_at) == (
        S.PENDING, 0, NOW + timedelta(seconds=3), None,
    )  # fmt: skip
    assert post.status is PostStatus.SCHEDULED
    post.claim(target.id, NOW + timedelta(seconds=4), LEASE)
    assert target.attempts == 1


def test_only_a_claim_still_publishing_on_its_attempt_is_given_back() -> None:
    post = a_post()
    target = post.targets[0]
    assert not post.release(target.id, 0, NOW), "never claimed"
    post.claim(target.id, NOW, LEASE)
    assert not post.release(target.id, 2, NOW), "another attempt's claim"
    post.record(target.id, LeaseExpired(), NOW + LEASE)
    assert not post.release(target.id, 1, NOW + LEASE)
    assert target.status is S.FAILED and target.error.code == "outcome_unknown"


def test_a_failure_before_sending_counts_no_attempt() -> None:
    post = a_post()
    target = post.targets[0]
    post.claim(target.id, NOW, LEASE)
    post.record(target.id, Failed("integration_disconnected", "gone", sent=False), NOW)
    assert target.attempts == 0 and target.status is S.FAILED


@pytest.mark.parametrize(
    "outcome",
    [Transient("token endpoint down", jitter=0.0, sent=False),
     RateLimited(NOW + timedelta(minutes=5), sent=False)],
)
def test_a_retry_before_any_publish_call_counts_no_attempt(outcome: object) -> None:
    post = a_post()
    target = post.targets[0]
    post.claim(target.id, NOW, LEASE)
    post.record(target.id, outcome, NOW)  # type: ignore[arg-type]
    assert (target.status, target.attempts) == (S.PENDING, 0)
    post.claim(target.id, target.next_attempt_at, LEASE)  # type: ignore[arg-type]
    post.record(target.id, Published("7", "https://x.com/a/status/7"), NOW)
    assert (target.status, target.attempts) == (S.PUBLISHED, 1)


def test_published_at_is_the_latest_targets() -> None:
    post = a_post(Platform.TWITTER, Platform.BLUESKY)
    for offset, target in enumerate(post.targets):
        post.claim(target.id, NOW, LEASE)
        post.record(target.id, Published(str(offset), "u"), NOW + timedelta(minutes=offset))
    assert post.status is PostStatus.PUBLISHED
    assert post.published_at == NOW + timedelta(minutes=1)
    assert post.last_changed_at == NOW + timedelta(minutes=1)


# --- cancel and edit --------------------------------------------------------------------


@pytest.mark.parametrize("at", [None, NOW + timedelta(hours=1)])
def test_drafts_and_scheduled_posts_cancel(at) -> None:
    post = a_post(Platform.TWITTER, Platform.BLUESKY, at=at)
    post.cancel(NOW)
    assert post.status is PostStatus.CANCELED
    assert {t.status for t in post.targets} == {S.CANCELED}


def test_once_publishing_a_post_can_be_neither_canceled_nor_edited() -> None:
    post = a_post(Platform.TWITTER, Platform.BLUESKY)
    post.claim(post.targets[0].id, NOW, LEASE)
    with pytest.raises(PostNotCancelable):
        post.cancel(NOW)
    with pytest.raises(PostNotEditable):
        post.rewrite("new", NOW)
    with pytest.raises(PostNotEditable):
        post.reschedule(None, NOW)
    with pytest.raises(PostNotEditable):
        post.retag(["x"], NOW)


def test_editing_retimes_and_rewrites_every_target_but_overrides() -> None:
    post = a_post(Platform.TWITTER, Platform.BLUESKY, overrides={Platform.BLUESKY: "sky"})
    later = NOW + timedelta(days=2)
    post.rewrite("changed", NOW)
    post.reschedule(later, NOW)
    assert [t.content for t in post.targets] == ["changed", "sky"]
    assert {t.next_attempt_at for t in post.targets} == {later}
    post.reschedule(None, NOW)
    assert post.status is PostStatus.DRAFT
    assert {t.next_attempt_at for t in post.targets} == {None}


# --- content and schedule rules ----------------------------------------------------------


def test_content_is_checked_per_target_platform() -> None:
    a_post(Platform.TWITTER, content="x" * 280)
    with pytest.raises(ContentTooLong) as too_long:
        a_post(Platform.TWITTER, content="x" * 281)
    assert too_long.value.details["field"] == "content"
    a_post(Platform.BLUESKY, content="é" * 300)
    with pytest.raises(ContentTooLong):
        a_post(Platform.BLUESKY, content="x" * 301)
    a_post(Platform.TWITTER, content="x" * 290, overrides={Platform.TWITTER: "short"})


def test_overrides_are_checked_and_named_by_their_path() -> None:
    with pytest.raises(ContentTooLong) as error:
        a_post(Platform.BLUESKY, overrides={Platform.BLUESKY: "y" * 301})
    assert error.value.field == "platform_overrides.bluesky.content"
    with pytest.raises(InvalidPostInput) as empty:
        a_post(Platform.TWITTER, overrides={Platform.TWITTER: "  "})
    assert empty.value.field == "platform_overrides.twitter.content"


def test_nul_characters_and_bad_tags_are_refused() -> None:
    with pytest.raises(InvalidPostInput) as nul:
        a_post(content="a\x00b")
    assert nul.value.field == "content"
    with pytest.raises(InvalidPostInput) as tag:
        a_post(tags=["ok", ""])
    assert tag.value.field == "tags[1]"
    with pytest.raises(InvalidPostInput):
        a_post(tags=[str(n) for n in range(51)])


@pytest.mark.parametrize("content", ["", "   \n"])
def test_empty_content_is_refused(content) -> None:
    with pytest.raises(InvalidPostInput) as error:
        a_post(content=content)
    assert error.value.field == "content"


@pytest.mark.parametrize(
    ("offset", "ok"),
    [
        (timedelta(seconds=60), True),
        (timedelta(seconds=60) - timedelta(microseconds=1), False),
        (timedelta(days=180), True),
        (timedelta(days=180, microseconds=1), False),
        (timedelta(seconds=-5), False),
    ],
)
def test_schedule_bounds_are_inclusive(offset, ok) -> None:
    if ok:
        assert a_post(at=NOW + offset).status is PostStatus.SCHEDULED
    else:
        with pytest.raises(InvalidPostInput) as error:
            a_post(at=NOW + offset)
        assert error.value.field == "schedule_at"
