"""Rate limits per API key: the headers every counted answer carries, and the 429.

The gate counts each authenticated request against its key's budget (the `RateLimiter`
port), adds `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` to the answer,
and past the limit answers 429 `rate_limited` with `Retry-After` without reaching the
application. Unauthenticated routes are not counted."""

from __future__ import annotations

from application.ports.rate_limiter import RateDecision
from entrypoints.http.envelope import Refusal


def limit_headers(decision: RateDecision) -> list[tuple[bytes, bytes]]:
    return [
        (b"ratelimit-limit", str(decision.limit).encode()),
        (b"ratelimit-remaining", str(decision.remaining).encode()),
        (b"ratelimit-reset", str(decision.reset_s).encode()),
    ]


def rate_limited(decision: RateDecision) -> Refusal:
    """The 429; the gate adds the request id and the limit headers like on any answer."""
    return Refusal(
        429,
        "rate_limited",
        "Too many requests for this API key; retry after the window resets.",
        headers=(("Retry-After", str(decision.reset_s)),),
    )
