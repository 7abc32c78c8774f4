"""Scripted misbehaviour: the next N answers of an endpoint go wrong on purpose."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

FaultKind = Literal["status", "rate_limit", "delay", "hold", "reset", "malformed"]
ENDPOINTS = (
    "authorize",
    "token",
    "revoke",
    "users_me",
    "create_tweet",
    "user_tweets",
    "media_initialize",
    "media_append",
    "media_finalize",
    "media_status",
    "media_metadata",
)


@dataclass(frozen=True)
class Fault:
    """One programmed failure.

    - status: answer `status` (e.g. 500, 503) with a problem body.
    - rate_limit: answer 429 with x-rate-limit-reset = now + `reset_in`.
    - delay: wait `seconds` of real time, then answer normally.
    - hold: keep the request, unanswered, until the test calls `release()`; then carry it
      out and answer normally (a platform that stalls for as long as the test needs).
    - reset: drop the TCP connection without an answer (RST).
    - malformed: answer 200 with a truncated JSON body.

    With `after_effect`, the request is first carried out (the post is created,
    the refresh token is spent) and only the answer is lost: the case that
    tests idempotency and "did it happen?" handling.
    """

    kind: FaultKind
    status: int = 503
    seconds: float = 0.0
    reset_in: int = 900
    after_effect: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        return cls(
            kind=cast(FaultKind, data["kind"]),
            status=int(data.get("status", 503)),
            seconds=float(data.get("seconds", 0.0)),
            reset_in=int(data.get("reset_in", 900)),
            after_effect=bool(data.get("after_effect", False)),
        )


class FaultPlan:
    """Per-endpoint queues of faults, consumed one per request, in order."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[Fault]] = defaultdict(deque)

    def add(self, endpoint: str, fault: Fault, times: int = 1) -> None:
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {ENDPOINTS}")
        if fault.kind not in get_args(FaultKind):
            raise ValueError(f"unknown fault kind {fault.kind!r}")
        self._queues[endpoint].extend([fault] * times)

    def take(self, endpoint: str) -> Fault | None:
        queue = self._queues.get(endpoint)
        return queue.popleft() if queue else None

    def pending(self) -> dict[str, int]:
        return {name: len(queue) for name, queue in self._queues.items() if queue}

    def clear(self) -> None:
        self._queues.clear()


class Gate:
    """Requests held by a `hold` fault. They wait on the server's event loop; `release()`
    may come from any thread (the test's)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: list[tuple[str, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    async def wait(self, endpoint: str) -> None:
        loop = asyncio.get_running_loop()
        entry = (endpoint, loop, loop.create_future())
        with self._lock:
            self._held.append(entry)
        try:
            await entry[2]
        finally:
            with self._lock, contextlib.suppress(ValueError):
                self._held.remove(entry)

    def release(self, endpoint: str | None = None) -> int:
        """Lets the held requests (of `endpoint`, or all) go on; returns how many."""
        with self._lock:
            chosen = [e for e in self._held if endpoint in (None, e[0])]
            self._held = [e for e in self._held if e not in chosen]
        for _, loop, future in chosen:
            with contextlib.suppress(RuntimeError):  # the server already stopped
                loop.call_soon_threadsafe(_open, future)
        return len(chosen)

    def held(self) -> Counter[str]:
        """How many requests each endpoint has waiting."""
        with self._lock:
            return Counter(endpoint for endpoint, _, _ in self._held)


def _open(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
