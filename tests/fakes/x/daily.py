"""X's 24-hour caps on posting, beside the 15-minute windows.

POST /2/tweets is also capped per user and per app over 24 hours. Every answer to it
carries `x-user-limit-24hour-{limit,remaining,reset}` and `x-app-limit-24hour-{limit,
remaining,reset}` (reset in epoch seconds); a request over either cap is a 429 whose
`x-rate-limit-remaining` may well be above 0: only the 24-hour headers say when it lifts.
The documented caps depend on the access tier; the fake's defaults are generous so that
tests and benchmarks meet them only when they set them.
"""

from __future__ import annotations

from dataclasses import dataclass

DAY = 86_400
DEFAULT_USER_CAP = 100_000
DEFAULT_APP_CAP = 1_000_000


@dataclass(frozen=True)
class DailyQuota:
    headers: list[tuple[str, str]]
    exceeded: bool


class DailyCaps:
    """One 24-hour window per user and one per app, opened by their first post."""

    def __init__(self) -> None:
        self.user_cap, self.app_cap = DEFAULT_USER_CAP, DEFAULT_APP_CAP
        self._windows: dict[str, tuple[float, int]] = {}

    def set_caps(self, user: int | None = None, app: int | None = None) -> None:
        self.user_cap = user if user is not None else self.user_cap
        self.app_cap = app if app is not None else self.app_cap
        self._windows.clear()

    def hit(self, user_id: str, client_id: str, now: float) -> DailyQuota:
        """Count one post for both, unless either cap is already reached."""
        user = self._window(f"user:{user_id}", now)
        app = self._window(f"app:{client_id}", now)
        exceeded = user[1] >= self.user_cap or app[1] >= self.app_cap
        if not exceeded:
            user, app = (user[0], user[1] + 1), (app[0], app[1] + 1)
            self._windows[f"user:{user_id}"], self._windows[f"app:{client_id}"] = user, app
        headers = _headers("user", self.user_cap, user) + _headers("app", self.app_cap, app)
        return DailyQuota(headers, exceeded)

    def _window(self, key: str, now: float) -> tuple[float, int]:
        started, used = self._windows.get(key, (now, 0))
        return (now, 0) if now >= started + DAY else (started, used)


def _headers(kind: str, cap: int, window: tuple[float, int]) -> list[tuple[str, str]]:
    started, used = window
    prefix = f"x-{kind}-limit-24hour"
    return [
        (f"{prefix}-limit", str(cap)),
        (f"{prefix}-remaining", str(max(0, cap - used))),
        (f"{prefix}-reset", str(int(started + DAY))),
    ]
