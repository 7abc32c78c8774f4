"""X's rate windows as its answers report them, kept per account to pace posting.

Every answer to POST /2/tweets says how much of each window is left:
`x-rate-limit-{remaining,reset}` (the 15-minute window), `x-user-limit-24hour-*` and
`x-app-limit-24hour-*` (the 24-hour caps). The rules:
- a window with nothing left blocks the account (or, for the app cap, every account) until
  its reset: the next post is deferred without being sent, instead of earning a 429;
- a 429 defers to the reset of the window that is used up, the 24-hour one when that is
  the cap hit (its reset can be many hours after the 15-minute one);
- an answer without these headers changes nothing (X's gateways sometimes drop them).
The ledger lives in the process: another worker learns the same facts from its own first
answer, and a 429 still defers correctly, so nothing needs sharing.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

WINDOWS = ("x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour")
HEADERS = tuple(f"{window}-{part}" for window in WINDOWS for part in ("remaining", "reset"))
APP = "app"


@dataclass(frozen=True, slots=True)
class Window:
    remaining: int
    reset_at: datetime


def windows_of(headers: Mapping[str, str]) -> dict[str, Window]:
    """The windows an answer reports, by header prefix; malformed values are ignored."""
    found = {}
    for window in WINDOWS:
        remaining = headers.get(f"{window}-remaining", "")
        reset = headers.get(f"{window}-reset", "")
        if remaining.isdigit() and reset.isdigit():
            found[window] = Window(int(remaining), datetime.fromtimestamp(int(reset), UTC))
    return found


def reset_after_429(headers: Mapping[str, str]) -> datetime | None:
    """When a refused post may go: the latest reset among the used-up windows, else the
    15-minute reset (X's plain 429), else unknown."""
    windows = windows_of(headers)
    used_up = [w.reset_at for w in windows.values() if w.remaining == 0]
    if used_up:
        return max(used_up)
    plain = windows.get("x-rate-limit")
    return plain.reset_at if plain else None


class XRateLedger:
    """The last reported windows of each account (and of the app), to pace before X says
    429. Thread-safe; cheap enough to consult on every post."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._blocked: dict[str, datetime] = {}

    def note(self, account: str, headers: Mapping[str, str]) -> None:
        windows = windows_of(headers)
        with self._lock:
            for name, window in windows.items():
                key = APP if name == "x-app-limit-24hour" else f"{account}:{name}"
                if window.remaining == 0:
                    self._blocked[key] = window.reset_at
                else:
                    self._blocked.pop(key, None)

    def blocked_until(self, account: str, now: datetime) -> datetime | None:
        """The latest reset of a used-up window of `account` or of the app, if still ahead."""
        with self._lock:
            keys = [APP, *(f"{account}:{name}" for name in WINDOWS)]
            resets = [self._blocked[k] for k in keys if k in self._blocked]
        ahead = [reset for reset in resets if reset > now]
        return max(ahead) if ahead else None
