"""A Delivery: one event on its way to one endpoint, and its attempts.

Every move goes through `_move`, which consults one table (`DELIVERY_MOVES`):
- a claim counts an attempt and takes a lease (a worker that dies leaves a lease that
  expires, and the attempt is made again: at least once);
- a 2xx is success; anything else is retried per the schedule, then the delivery fails;
- a 410 fails it at once (its endpoint is disabled);
- a retry asked for by the user makes a failed (or pending) delivery due now; a
  succeeded one is never sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from domain.errors import IllegalTransition
from domain.webhooks.errors import DeliveryAlreadySucceeded
from domain.webhooks.events import EventType
from domain.webhooks.schedule import RetrySchedule

MAX_ERROR_LENGTH = 500


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class DeliveryEvent(StrEnum):
    CLAIM = "claim"
    SUCCEED = "succeed"
    RETRY_LATER = "retry_later"
    FAIL = "fail"
    RETRY_NOW = "retry_now"


_P, _OK, _KO = DeliveryStatus.PENDING, DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED

DELIVERY_MOVES: dict[tuple[DeliveryStatus, DeliveryEvent], DeliveryStatus] = {
    (_P, DeliveryEvent.CLAIM): _P,
    (_P, DeliveryEvent.SUCCEED): _OK,
    (_P, DeliveryEvent.RETRY_LATER): _P,
    (_P, DeliveryEvent.FAIL): _KO,
    (_P, DeliveryEvent.RETRY_NOW): _P,
    (_KO, DeliveryEvent.RETRY_NOW): _P,
}


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What one attempt came to: the receiver's status code, or why there was none."""

    status_code: int | None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410

    def describe(self) -> str | None:
        if self.succeeded:
            return None
        if self.error:
            return self.error[:MAX_ERROR_LENGTH]
        return f"the endpoint answered {self.status_code}"


@dataclass(slots=True)
class Delivery:
    id: UUID
    workspace_id: UUID
    endpoint_id: UUID
    event_id: str
    event_type: EventType
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    lease_expires_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    updated_at: datetime

    @classmethod
    def new(
        cls,
        *,
        id: UUID,
        workspace_id: UUID,
        endpoint_id: UUID,
        event_id: str,
        event_type: EventType,
        now: datetime,
    ) -> Delivery:
        return cls(
            id, workspace_id, endpoint_id, event_id, event_type, _P, 0, None, None, now,
            None, now, None, now,
        )  # fmt: skip

    def is_due(self, now: datetime) -> bool:
        return (
            self.status is _P
            and self.next_attempt_at is not None
            and self.next_attempt_at <= now
            and not self.in_flight(now)
        )

    def in_flight(self, now: datetime) -> bool:
        return (
            self.status is _P and self.lease_expires_at is not None and self.lease_expires_at > now
        )

    def claim(self, now: datetime, lease: timedelta) -> None:
        """Taken by a worker: one more attempt, leased until `now + lease`."""
        self._move(DeliveryEvent.CLAIM, now)
        self.attempts += 1
        self.lease_expires_at = now + lease

    def record(
        self, result: AttemptResult, now: datetime, schedule: RetrySchedule, random: float
    ) -> None:
        """The outcome of the attempt in flight."""
        self.last_status_code = result.status_code
        self.last_error = result.describe()
        self.lease_expires_at = None
        if result.succeeded:
            self._move(DeliveryEvent.SUCCEED, now)
            self.delivered_at, self.next_attempt_at = now, None
            return
        delay = None if result.gone else schedule.delay_after(self.attempts, random)
        if delay is None:
            self._move(DeliveryEvent.FAIL, now)
            self.next_attempt_at = None
        else:
            self._move(DeliveryEvent.RETRY_LATER, now)
            self.next_attempt_at = now + delay

    def retry_now(self, now: datetime) -> None:
        """Asked by the user: due now. A failed delivery gets one more attempt."""
        if self.status is _OK:
            raise DeliveryAlreadySucceeded(str(self.id))
        self._move(DeliveryEvent.RETRY_NOW, now)
        self.next_attempt_at = now

    def _move(self, event: DeliveryEvent, now: datetime) -> None:
        key = (self.status, event)
        if key not in DELIVERY_MOVES:
            raise IllegalTransition(self.status.value, event.value, "a webhook delivery")
        self.status = DELIVERY_MOVES[key]
        self.updated_at = now
