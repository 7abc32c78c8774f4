"""The delivery settings the use cases share (WEBHOOK_* settings; tests shorten them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from domain.webhooks.endpoint import FAILING_AFTER
from domain.webhooks.schedule import RetrySchedule
from domain.webhooks.urls import UrlPolicy


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """- `lease`: how long a claimed attempt is held; longer than the 10 s send timeout,
      so only a worker that died loses its claim (and the attempt is made again).
    - `per_endpoint`: deliveries in flight per endpoint, across every worker.
    - `timeout_s`: a 2xx must come within it (10 s; tests shorten it).
    - `schedule`: WEBHOOK_RETRY_SCHEDULE; `failing_after`: the 5 days before a failing
      endpoint is disabled; `urls`: WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE."""

    lease: timedelta = timedelta(seconds=60)
    per_endpoint: int = 4
    timeout_s: float = 10.0
    schedule: RetrySchedule = field(default_factory=RetrySchedule)
    failing_after: timedelta = FAILING_AFTER
    urls: UrlPolicy = field(default_factory=UrlPolicy)
