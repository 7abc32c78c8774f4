"""FailedAttempts contract, for the in-process store and Redis's alike: a sliding window
per key, times from the injected clock (no test sleeps), shared by every instance on one
Redis."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable

import pytest

from adapters.rate_limit.failed_attempts_memory import MemoryFailedAttempts
from adapters.rate_limit.failed_attempts_redis import RedisFailedAttempts
from application.ports.failed_attempts import FailedAttempts
from tests.support.redis import available_redis_url


class FakeTime:
    def __init__(self, start: float = 1_776_420_000.0) -> None:
        self.value = start

    def __call__(self) -> float:
        return self.value


Factory = Callable[[], FailedAttempts]


@pytest.fixture
def now() -> FakeTime:
    return FakeTime()


@pytest.fixture(params=["memory", "redis"])
async def make(request: pytest.FixtureRequest, now: FakeTime) -> AsyncIterator[Factory]:
    """Instances sharing one store: the same dict's process for memory (one instance),
    one Redis prefix for Redis (as two processes would)."""
    made: list[FailedAttempts] = []
    url = await available_redis_url() if request.param == "redis" else None
    prefix = f"openpost-test:{secrets.token_hex(6)}:"
    shared = MemoryFailedAttempts(now)

    def factory() -> FailedAttempts:
        if url is None:
            return shared
        store = RedisFailedAttempts.from_url(url, now)
        store.prefix = prefix
        made.append(store)
        return store

    yield factory
    for store in made:
        await store.close()
    await shared.close()


async def test_a_key_under_its_limit_may_go_on(make: Factory) -> None:
    store = make()
    assert await store.retry_after("k", 3, 900) is None
    for _ in range(2):
        await store.record("k", 900)
    assert await store.retry_after("k", 3, 900) is None


async def test_at_the_limit_the_wait_runs_until_the_oldest_counted_failure_expires(
    make: Factory, now: FakeTime
) -> None:
    store = make()
    await store.record("k", 900)
    now.value += 100
    await store.record("k", 900)
    await store.record("k", 900)
    assert await store.retry_after("k", 3, 900) == 800
    assert await store.retry_after("k", 2, 900) == 900  # the two newest, recorded now
    now.value += 799.5
    assert await store.retry_after("k", 3, 900) == 1
    now.value += 0.5
    assert await store.retry_after("k", 3, 900) is None
    assert await store.retry_after("k", 2, 900) == 100


async def test_keys_are_counted_apart(make: Factory) -> None:
    store = make()
    for _ in range(3):
        await store.record("a", 900)
    assert await store.retry_after("a", 3, 900) is not None
    assert await store.retry_after("b", 3, 900) is None


async def test_forget_clears_a_key(make: Factory) -> None:
    store = make()
    for _ in range(3):
        await store.record("k", 900)
    await store.forget("k")
    assert await store.retry_after("k", 3, 900) is None


async def test_every_instance_on_one_store_sees_the_same_failures(make: Factory) -> None:
    first, second = make(), make()
    for store in (first, second, first):
        await store.record("k", 900)
    assert await second.retry_after("k", 3, 900) == 900
    assert await first.retry_after("k", 3, 900) == 900


async def test_redis_down_falls_back_to_per_process_counts(now: FakeTime) -> None:
    store = RedisFailedAttempts.from_url("redis://127.0.0.1:1/0", now)
    try:
        for _ in range(3):
            await store.record("k", 900)
        assert await store.retry_after("k", 3, 900) == 900
    finally:
        await store.close()
