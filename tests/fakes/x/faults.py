"""Scripted misbehaviour: the next N answers of an endpoint go wrong on purpose."""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any, Literal, cast

FaultKind = Literal["status", "rate_limit", "delay", "reset", "malformed"]
ENDPOINTS = ("authorize", "token", "revoke", "users_me", "create_tweet")


@dataclass(frozen=True)
class Fault:
    """One programmed failure.

    - status: answer `status` (e.g. 500, 503) with a problem body.
    - rate_limit: answer 429 with x-rate-limit-reset = now + `reset_in`.
    - delay: wait `seconds` of real time, then answer normally.
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
        if fault.kind not in ("status", "rate_limit", "delay", "reset", "malformed"):
            raise ValueError(f"unknown fault kind {fault.kind!r}")
        self._queues[endpoint].extend([fault] * times)

    def take(self, endpoint: str) -> Fault | None:
        queue = self._queues.get(endpoint)
        return queue.popleft() if queue else None

    def pending(self) -> dict[str, int]:
        return {name: len(queue) for name, queue in self._queues.items() if queue}

    def clear(self) -> None:
        self._queues.clear()
