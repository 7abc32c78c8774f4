"""Providers for the limits that guard logins: the failure store (in-process, or Redis's
when `REDIS_URL` is set, so every process counts the same failures) and the throttle."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide

from adapters.rate_limit.failed_attempts_memory import MemoryFailedAttempts
from application.login_throttle import LoginLimits, LoginThrottle
from application.ports.clock import Clock
from application.ports.failed_attempts import FailedAttempts
from entrypoints.settings import Settings


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
