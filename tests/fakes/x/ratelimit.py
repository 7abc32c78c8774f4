"""Per-user, per-endpoint fixed windows, reported in x-rate-limit-* headers."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "create_tweet": (100, 900),
    "users_me": (75, 900),
    "user_tweets": (900, 900),
}
"""X's documented per-user limits: POST /2/tweets 100, GET /2/users/me 75 and
GET /2/users/:id/tweets 900 per 15 min."""


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset: int
    exceeded: bool

    def headers(self) -> list[tuple[str, str]]:
        """X sends these on every v2 response; `reset` is epoch seconds."""
        return [
            ("x-rate-limit-limit", str(self.limit)),
            ("x-rate-limit-remaining", str(self.remaining)),
            ("x-rate-limit-reset", str(self.reset)),
        ]


class RateLimiter:
    """A window opens at the first request and resets `window` seconds later."""

    def __init__(self) -> None:
        self.limits: dict[str, tuple[int, int]] = dict(DEFAULT_LIMITS)
        self._windows: dict[tuple[str, str], tuple[float, int]] = {}

    def set_limit(self, endpoint: str, limit: int, window_seconds: int = 900) -> None:
        self.limits[endpoint] = (limit, window_seconds)
        self._windows = {key: value for key, value in self._windows.items() if key[0] != endpoint}

    def hit(self, endpoint: str, user_id: str, now: float) -> Quota:
        """Count one request; `exceeded` when the window was already used up."""
        limit, window = self.limits.get(endpoint, (10**9, 900))
        started, used = self._windows.get((endpoint, user_id), (now, 0))
        if now >= started + window:
            started, used = now, 0
        reset = int(started + window)
        if used >= limit:
            return Quota(limit, 0, reset, exceeded=True)
        self._windows[(endpoint, user_id)] = (started, used + 1)
        return Quota(limit, limit - used - 1, reset, exceeded=False)
