"""What the service counts for its operators (`GET /metrics` when turned on). The use
cases and the loops report events here; an adapter turns them into time series. The
default counts nothing, so code that is given no `Metrics` pays nothing.

Label values are drawn from small fixed sets (platforms, outcome names, route templates),
never from ids or free text: every distinct value is a series kept for good."""

from __future__ import annotations

from abc import abstractmethod
from typing import Protocol


class Metrics(Protocol):
    @abstractmethod
    def request_served(self, method: str, route: str, status: int, seconds: float) -> None:
        """One HTTP answer: `route` is the route's template (`/v1/posts/{post_id}`), or
        `unmatched` when no route matched."""

    @abstractmethod
    def rate_limit_refused(self, budget: str) -> None:
        """A 429 of ours: `budget` is `key` (an API key's) or `address` (a client's)."""

    @abstractmethod
    def publish_finished(self, platform: str, outcome: str) -> None:
        """One publish attempt came to `outcome` (`published`, `failed`, `transient`,
        `rate_limited`, ... or `error` when it raised)."""

    @abstractmethod
    def token_refreshed(self, platform: str, outcome: str) -> None:
        """A call to a platform to refresh tokens: `refreshed`, `rejected`, `unreachable`,
        or `superseded` (another process stored newer tokens meanwhile)."""

    @abstractmethod
    def webhook_delivered(self, outcome: str) -> None:
        """One delivery attempt: `succeeded`, `retrying` (a retry is scheduled) or
        `failed` (given up)."""


class NoMetrics(Metrics):
    """Counts nothing: the default when metrics are off."""

    def request_served(self, method: str, route: str, status: int, seconds: float) -> None:
        pass

    def rate_limit_refused(self, budget: str) -> None:
        pass

    def publish_finished(self, platform: str, outcome: str) -> None:
        pass

    def token_refreshed(self, platform: str, outcome: str) -> None:
        pass

    def webhook_delivered(self, outcome: str) -> None:
        pass


NO_METRICS: Metrics = NoMetrics()
