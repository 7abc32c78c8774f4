"""Failures kept in Redis, shared by every process: a sorted set per key, scored by the
time of each failure (from the clock port), each step one atomic script.

If Redis fails, failures are counted per process for a few seconds before Redis is tried
again: a broken cache never takes the API down with it."""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from adapters.rate_limit.failed_attempts_memory import MAX_FAILURES_PER_KEY, MemoryFailedAttempts
from adapters.rate_limit.redis import RETRY_REDIS_AFTER_S
from application.ports.failed_attempts import FailedAttempts

log = logging.getLogger("openpost.rate_limit")

# The score of the failure whose expiry brings the count under the limit, or nil.
_RETRY_AFTER = """
local counted = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf', 'WITHSCORES')
local count = #counted / 2
local limit = tonumber(ARGV[2])
if count < limit then return false end
return counted[(count - limit) * 2 + 2]
"""
_RECORD = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[4]) + 1))
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


class RedisFailedAttempts(FailedAttempts):
    def __init__(
        self,
        client: Redis,
        now: Callable[[], float],
        prefix: str = "openpost:fail:",
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.now = now
        self.prefix = prefix
        self.monotonic = monotonic
        self.fallback = MemoryFailedAttempts(now)
        self._retry_after = client.register_script(_RETRY_AFTER)
        self._record = client.register_script(_RECORD)
        self._down_until = 0.0

    @classmethod
    def from_url(cls, url: str, now: Callable[[], float]) -> RedisFailedAttempts:
        client = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return cls(client, now)

    async def retry_after(self, key: str, limit: int, window_s: int) -> int | None:
        if self._redis_down():
            return await self.fallback.retry_after(key, limit, window_s)
        now = self.now()
        try:
            found = await self._retry_after(
                keys=[self.prefix + key], args=[f"({now - window_s!r}", limit]
            )
        except (RedisError, OSError) as error:
            self._went_down(error)
            return await self.fallback.retry_after(key, limit, window_s)
        if found is None:
            return None
        return max(1, math.ceil(float(found) + window_s - now))

    async def record(self, key: str, window_s: int) -> None:
        if self._redis_down():
            await self.fallback.record(key, window_s)
            return
        now = self.now()
        args = [repr(now - window_s), repr(now), f"{now!r}:{secrets.token_hex(4)}"]
        try:
            await self._record(
                keys=[self.prefix + key], args=[*args, MAX_FAILURES_PER_KEY, window_s + 1]
            )
        except (RedisError, OSError) as error:
            self._went_down(error)
            await self.fallback.record(key, window_s)

    async def forget(self, key: str) -> None:
        await self.fallback.forget(key)
        if self._redis_down():
            return
        try:
            await self.client.delete(self.prefix + key)
        except (RedisError, OSError) as error:
            self._went_down(error)

    async def close(self) -> None:
        await self.client.aclose()

    def _redis_down(self) -> bool:
        if self._down_until and self.monotonic() < self._down_until:
            return True
        self._down_until = 0.0
        return False

    def _went_down(self, error: Exception) -> None:
        log.warning(
            "redis unavailable for failed logins (%s); counting per process for %.0f s",
            type(error).__name__,
            RETRY_REDIS_AFTER_S,
        )
        self._down_until = self.monotonic() + RETRY_REDIS_AFTER_S
