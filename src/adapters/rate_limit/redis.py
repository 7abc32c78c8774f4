"""Counters in Redis, shared by every process: one atomic script per request.

If Redis fails, requests are counted per process (the memory limiter) for a few seconds
before Redis is tried again: a broken cache never takes the API down with it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from adapters.rate_limit.memory import MemoryRateLimiter
from adapters.rate_limit.window import decide, window_for
from application.ports.rate_limiter import RateDecision, RateLimiter

log = logging.getLogger("openpost.rate_limit")

# INCR and EXPIRE in one step: a key can never be left without its expiry.
_INCREMENT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""
RETRY_REDIS_AFTER_S = 5.0


class RedisRateLimiter(RateLimiter):
    def __init__(
        self,
        client: Redis,
        limit: int,
        period_s: int,
        now: Callable[[], float],
        prefix: str = "openpost:rl:",
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.limit = limit
        self.period_s = period_s
        self.now = now
        self.prefix = prefix
        self.monotonic = monotonic
        self.fallback = MemoryRateLimiter(limit, period_s, now)
        self._script = client.register_script(_INCREMENT)
        self._down_until = 0.0

    @classmethod
    def from_url(
        cls, url: str, limit: int, period_s: int, now: Callable[[], float]
    ) -> RedisRateLimiter:
        client = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return cls(client, limit, period_s, now)

    async def hit(self, key: str) -> RateDecision:
        if self._down_until and self.monotonic() < self._down_until:
            return await self.fallback.hit(key)
        window = window_for(key, self.period_s, self.now())
        try:
            count = int(
                await self._script(
                    keys=[f"{self.prefix}{key}:{window.index}"], args=[self.period_s + 1]
                )
            )
        except (RedisError, OSError) as error:  # TimeoutError is an OSError
            log.warning(
                "redis unavailable for rate limits (%s); counting per process for %.0f s",
                type(error).__name__,
                RETRY_REDIS_AFTER_S,
            )
            self._down_until = self.monotonic() + RETRY_REDIS_AFTER_S
            return await self.fallback.hit(key)
        self._down_until = 0.0
        return decide(self.limit, count, window)

    async def close(self) -> None:
        await self.client.aclose()
