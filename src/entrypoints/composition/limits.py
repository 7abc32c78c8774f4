"""Providers for the limits: the per-key rate limiter, the failed logins' store and
throttle, and the per-address counters for unauthenticated traffic (each in-process, or
Redis's when `REDIS_URL` is set, so every process counts the same)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide

from adapters.rate_limit.failed_attempts_memory import MemoryFailedAttempts
from adapters.rate_limit.memory import MemoryRateLimiter
from application.login_throttle import LoginLimits, LoginThrottle
from application.ports.clock import Clock
from application.ports.failed_attempts import FailedAttempts
from application.ports.rate_limiter import RateLimiter
from entrypoints.http.address_limit import AddressLimit, parse_networks
from entrypoints.settings import Settings

PERIOD_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


class LoginLimitProvider(Provider):
    scope = Scope.APP

    login_throttle = provide(LoginThrottle)

    @provide
    def login_limits(self, settings: Settings) -> LoginLimits:
        return LoginLimits(
            per_identifier=settings.login_failures_per_account,
            per_workspace=settings.login_failures_per_workspace,
            window_s=settings.login_failure_window_s,
        )

    @provide
    async def failed_attempts(
        self, settings: Settings, clock: Clock
    ) -> AsyncIterator[FailedAttempts]:
        """Failure times follow the clock port, so a test's manual clock moves them too."""

        def now() -> float:
            return clock.now().timestamp()

        store: FailedAttempts
        if settings.redis_url:
            from adapters.rate_limit.failed_attempts_redis import RedisFailedAttempts

            store = RedisFailedAttempts.from_url(settings.redis_url, now)
        else:
            store = MemoryFailedAttempts(now)
        yield store
        await store.close()

    @provide
    async def address_limit(self, settings: Settings, clock: Clock) -> AsyncIterator[AddressLimit]:
        """Counters of their own (a prefix apart from the per-key ones in Redis)."""
        if settings.unauthenticated_rate_limit is None:
            raise ValueError("unauthenticated requests are not limited")
        count, period = settings.unauthenticated_rate_limit
        period_s = PERIOD_SECONDS[period]

        def now() -> float:
            return clock.now().timestamp()

        limiter: RateLimiter
        if settings.redis_url:
            from adapters.rate_limit.redis import RedisRateLimiter

            redis_limiter = RedisRateLimiter.from_url(settings.redis_url, count, period_s, now)
            redis_limiter.prefix = "openpost:rl-addr:"
            limiter = redis_limiter
        else:
            limiter = MemoryRateLimiter(count, period_s, now)
        yield AddressLimit(limiter, parse_networks(settings.trusted_proxies))
        await limiter.close()


class RateLimitProvider(Provider):
    @provide(scope=Scope.APP)
    async def rate_limiter(self, settings: Settings, clock: Clock) -> AsyncIterator[RateLimiter]:
        """In-process counters, or Redis's when `REDIS_URL` is set (shared by processes).
        Windows follow the clock port, so a test's manual clock moves them too."""
        if settings.rate_limit is None:
            raise ValueError("rate limiting is disabled (RATE_LIMIT=0)")
        count, period = settings.rate_limit
        period_s = PERIOD_SECONDS[period]

        def now() -> float:
            return clock.now().timestamp()

        limiter: RateLimiter
        if settings.redis_url:
            # Only then: the client's import is a tenth of a second of every start-up.
            from adapters.rate_limit.redis import RedisRateLimiter

            limiter = RedisRateLimiter.from_url(settings.redis_url, count, period_s, now)
        else:
            limiter = MemoryRateLimiter(count, period_s, now)
        yield limiter
        await limiter.close()
