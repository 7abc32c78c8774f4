"""A post's delivery to one integration, and the moves it may make.

Every move goes through `_move`, which consults one table (`TARGET_MOVES`); a move the
table does not list raises `IllegalTransition`. The publishing rules live here:
- a claim counts an attempt (a call to the platform) and takes a lease;
- a transient failure (nothing sent, or a 5xx) is retried at most `MAX_RETRIES` times with
  exponential backoff and jitter, then fails `platform_unavailable_upstream`;
- a rate limit defers to the platform's reset time without using a retry; a target still
  unsent `RATE_LIMIT_DEADLINE` after `scheduled_at` fails `platform_rate_limited`;
- a lease that expires while publishing fails `outcome_unknown` (at most once: never re-sent);
  a late answer that the post was published still wins over that guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from domain.errors import IllegalTransition
from domain.outcomes import (
    Failed,
    LeaseExpired,
    Outcome,
    PartPublished,
    Published,
    RateLimited,
    Transient,
)
from domain.platform import Platform
from domain.post_part import PartStatus, PostPart
from domain.thread import TargetLinks

MAX_RETRIES = 3
RETRY_BASE = timedelta(seconds=30)
RATE_LIMIT_DEADLINE = timedelta(minutes=60)
DEFAULT_RATE_LIMIT_WAIT = timedelta(seconds=60)

OUTCOME_UNKNOWN = "outcome_unknown"
PLATFORM_UNAVAILABLE = "platform_unavailable_upstream"
PLATFORM_RATE_LIMITED = "platform_rate_limited"


class TargetStatus(StrEnum):
    PENDING = "pending"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    CANCELED = "canceled"


class TargetEvent(StrEnum):
    CLAIM = "claim"
    CANCEL = "cancel"
    RESCHEDULE = "reschedule"
    PUBLISHED = "published"
    FAIL = "fail"
    RETRY = "retry"
    RELEASE = "release"
    LATE_PUBLISHED = "late_published"


_P, _IN, _OK, _KO, _X = (
    TargetStatus.PENDING,
    TargetStatus.PUBLISHING,
    TargetStatus.PUBLISHED,
    TargetStatus.FAILED,
    TargetStatus.CANCELED,
)

TARGET_MOVES: dict[tuple[TargetStatus, TargetEvent], TargetStatus] = {
    (_P, TargetEvent.CLAIM): _IN,
    (_P, TargetEvent.CANCEL): _X,
    (_P, TargetEvent.RESCHEDULE): _P,
    (_IN, TargetEvent.PUBLISHED): _OK,
    (_IN, TargetEvent.FAIL): _KO,
    (_IN, TargetEvent.RETRY): _P,
    # A claim undone before anything was sent (a worker giving back what it had not begun).
    (_IN, TargetEvent.RELEASE): _P,
    # Only over an `outcome_unknown` guess (checked in `_record_published`).
    (_KO, TargetEvent.LATE_PUBLISHED): _OK,
}


@dataclass(frozen=True, slots=True)
class TargetError:
    code: str
    message: str


def backoff(retry: int, jitter: float) -> timedelta:
    """Delay before retry number `retry` (1-based): half of RETRY_BASE * 2^(retry-1), plus a
    random share (`jitter` in [0, 1)) of the other half, so workers do not retry in step."""
    full = RETRY_BASE * (1 << (retry - 1))
    return full / 2 + full / 2 * min(max(jitter, 0.0), 1.0)


@dataclass(slots=True)
class PostTarget:
    id: UUID
    integration_id: UUID
    platform: Platform
    content: str
    status: TargetStatus
    scheduled_at: datetime | None
    next_attempt_at: datetime | None
    lease_expires_at: datetime | None
    attempts: int
    retries: int
    platform_post_id: str | None
    platform_post_url: str | None
    error: TargetError | None
    published_at: datetime | None
    updated_at: datetime
    parts: list[PostPart] = field(default_factory=list)
    links: TargetLinks = field(default_factory=TargetLinks)

    @classmethod
    def new(
        cls,
        *,
        id: UUID,
        integration_id: UUID,
        platform: Platform,
        content: str,
        now: datetime,
        parts: Sequence[PostPart] = (),
    ) -> PostTarget:
        return cls(
            id, integration_id, platform, content, _P, None, None, None, 0, 0, None, None,
            None, None, now, list(parts) or [PostPart(0, content)],
        )  # fmt: skip

    def reschedule(
        self,
        at: datetime | None,
        content: str,
        now: datetime,
        parts: Sequence[PostPart] = (),
        links: TargetLinks | None = None,
    ) -> None:
        """A draft or scheduled post was edited: new time (None for a draft), new text and
        parts (one part of `content` unless given)."""
        self._move(TargetEvent.RESCHEDULE, now)
        self.scheduled_at, self.next_attempt_at, self.content = at, at, content
        self.parts = list(parts) or [PostPart(0, content)]
        self.links = links or TargetLinks()

    @property
    def is_chain(self) -> bool:
        """Published part by part through the thread path: several parts, or links."""
        return len(self.parts) > 1 or self.links.any

    def cancel(self, now: datetime) -> None:
        self._move(TargetEvent.CANCEL, now)
        self.next_attempt_at = None

    def claim(self, now: datetime, lease: timedelta) -> None:
        """Taken by a worker: one more attempt, leased until `now + lease`."""
        self._move(TargetEvent.CLAIM, now)
        self.attempts += 1
        self.next_attempt_at = None
        self.lease_expires_at = now + lease

    def release(self, attempts: int, now: datetime) -> bool:
        """The claim that made attempt `attempts` is undone: nothing was sent, so the
        attempt does not count and the target is due again at `now`. False (no change)
        unless the target is still publishing on that attempt (its lease may have expired
        into `outcome_unknown` meanwhile, which stands)."""
        if self.status is not _IN or self.attempts != attempts:
            return False
        self._move(TargetEvent.RELEASE, now)
        self.attempts = max(0, self.attempts - 1)
        self.lease_expires_at, self.next_attempt_at = None, now
        return True

    def record(self, outcome: Outcome, now: datetime) -> None:
        """What the platform (or the lease clock) said about the current attempt."""
        if isinstance(outcome, Published):
            self._record_published(outcome, now)
        elif isinstance(outcome, Failed):
            self._fail(outcome.code, outcome.message, now)
            self._uncount_unsent(outcome.sent)
        elif isinstance(outcome, Transient):
            self._transient(outcome, now)
        elif isinstance(outcome, RateLimited):
            self._rate_limited(outcome, now)
        elif isinstance(outcome, LeaseExpired):
            self._lease_expired(now)
        elif isinstance(outcome, PartPublished):
            self._record_part(outcome, now)

    def _record_part(self, outcome: PartPublished, now: datetime) -> None:
        """A part is a fact at the platform, recorded whatever the target's state; while
        publishing, the lease is renewed for the parts still to go."""
        part = self.parts[outcome.index]
        part.published(outcome.platform_post_id, outcome.url, outcome.cid)
        if outcome.index == 0:
            self.platform_post_id, self.platform_post_url = outcome.platform_post_id, outcome.url
        if self.status is _IN:
            self.lease_expires_at = now + outcome.lease
        self.updated_at = now

    def _record_published(self, outcome: Published, now: datetime) -> None:
        late = self.status is _KO and self.error is not None
        late = late and self.error.code == OUTCOME_UNKNOWN  # type: ignore[union-attr]
        self._move(TargetEvent.LATE_PUBLISHED if late else TargetEvent.PUBLISHED, now)
        self.platform_post_id, self.platform_post_url = outcome.platform_post_id, outcome.url
        self.error, self.published_at, self.lease_expires_at = None, now, None
        if len(self.parts) == 1 and not self.parts[0].is_published:
            self.parts[0].published(outcome.platform_post_id, outcome.url, None)

    def _lease_expired(self, now: datetime) -> None:
        """A no-op unless the target is still publishing on a lease that has run out."""
        if self.status is _IN and self.lease_expires_at and self.lease_expires_at <= now:
            message = "The worker stopped while this post was being sent; it is not re-sent."
            self._fail(OUTCOME_UNKNOWN, message, now)

    def _fail(self, code: str, message: str, now: datetime) -> None:
        self._move(TargetEvent.FAIL, now)
        self.error = TargetError(code, message)
        self.lease_expires_at = self.next_attempt_at = None
        unsent = [part for part in self.parts if part.status is PartStatus.PENDING]
        if unsent:
            unsent[0].failed()
            for later in unsent[1:]:
                later.skipped()

    def _transient(self, outcome: Transient, now: datetime) -> None:
        self._uncount_unsent(outcome.sent)
        if self.retries >= MAX_RETRIES:
            self._fail(PLATFORM_UNAVAILABLE, outcome.message, now)
            return
        self._move(TargetEvent.RETRY, now)
        self.retries += 1
        self.lease_expires_at = None
        self.next_attempt_at = now + backoff(self.retries, outcome.jitter)

    def _uncount_unsent(self, sent: bool) -> None:
        """`attempts` counts publish calls made; one that never happened does not count."""
        if not sent:
            self.attempts = max(0, self.attempts - 1)

    def _rate_limited(self, outcome: RateLimited, now: datetime) -> None:
        self._uncount_unsent(outcome.sent)
        until = max(outcome.reset_at or now + DEFAULT_RATE_LIMIT_WAIT, now + timedelta(seconds=1))
        deadline = (self.scheduled_at or now) + RATE_LIMIT_DEADLINE
        if until > deadline:
            message = "The platform rate limit outlasted 60 minutes after scheduled_at."
            self._fail(PLATFORM_RATE_LIMITED, message, now)
            return
        self._move(TargetEvent.RETRY, now)
        self.lease_expires_at, self.next_attempt_at = None, until

    def _move(self, event: TargetEvent, now: datetime) -> None:
        target = TARGET_MOVES.get((self.status, event))
        if target is None:
            raise IllegalTransition(self.status.value, event.value, "post target")
        self.status, self.updated_at = target, now
