"""Rate limits per API key: the headers every counted answer carries, and the 429.

The gate counts each authenticated request against its key's budget (the `RateLimiter`
port), adds `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` to the answer,
and past the limit answers 429 `rate_limited` with `Retry-After` without reaching the
application. Unauthenticated routes are not counted."""

from __future__ import annotations

from typing import Any

import msgspec

from application.ports.rate_limiter import RateDecision


def limit_headers(decision: RateDecision) -> list[tuple[bytes, bytes]]:
    return [
        (b"ratelimit-limit", str(decision.limit).encode()),
        (b"ratelimit-remaining", str(decision.remaining).encode()),
        (b"ratelimit-reset", str(decision.reset_s).encode()),
    ]


async def answer_rate_limited(send: Any, request_id: str, decision: RateDecision) -> None:
    """The 429; `send` adds the request id and the limit headers like on any answer."""
    body = msgspec.json.encode(
        {
            "error": "Too many requests for this API key; retry after the window resets.",
            "code": "rate_limited",
            "request_id": request_id,
        }
    )
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(decision.reset_s).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
