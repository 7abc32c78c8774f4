"""What can come of one publish attempt, as values the post target records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Published:
    platform_post_id: str
    url: str


@dataclass(frozen=True, slots=True)
class Failed:
    """Finished for good with the platform's (or our) code and message. `sent=False` when
    the platform was never called (disconnected, credentials refused): no attempt counts."""

    code: str
    message: str
    sent: bool = True


@dataclass(frozen=True, slots=True)
class Transient:
    """Nothing was published and sending again is safe: a connection failure or a 5xx.
    `jitter` in [0, 1) spreads the retries of many targets. `sent=False` when the publish
    call was never made (a refresh failed first): no attempt counts."""

    message: str
    jitter: float = 0.5
    sent: bool = True


@dataclass(frozen=True, slots=True)
class RateLimited:
    """The platform said 429; `reset_at` is when it will accept again, if it said."""

    reset_at: datetime | None
    sent: bool = True


@dataclass(frozen=True, slots=True)
class PartPublished:
    """One part of a thread went out; the target is still publishing the rest. Recorded
    before the next part is sent, and it renews the lease for `lease` more."""

    index: int
    platform_post_id: str
    url: str
    cid: str | None
    lease: timedelta


@dataclass(frozen=True, slots=True)
class LeaseExpired:
    """The worker holding the target stopped answering before recording an outcome."""


Outcome = Published | Failed | Transient | RateLimited | LeaseExpired | PartPublished
