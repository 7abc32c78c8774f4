"""RateLimiter contract, for the in-process counters and Redis's alike: fixed windows per
key, refused hits counted, windows moved by the injected clock (no test sleeps)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable

import pytest

from adapters.rate_limit.memory import MemoryRateLimiter
from adapters.rate_limit.redis import RedisRateLimiter
from adapters.rate_limit.window import window_for
from application.ports.rate_limiter import RateLimiter
from tests.support.redis import available_redis_url


class FakeTime:
    def __init__(self, start: float = 1_776_420_000.0) -> None:
        self.value = start

    def __call__(self) -> float:
        return self.value


Factory = Callable[[int, int], RateLimiter]


@pytest.fixture(params=["memory", "redis"])
async def make(request: pytest.FixtureRequest, now: FakeTime) -> AsyncIterator[Factory]:
    made: list[RateLimiter] = []
    url = await available_redis_url() if request.param == "redis" else None
    prefix = f"openpost-test:{secrets.token_hex(6)}:"

    def factory(limit: int, period_s: int) -> RateLimiter:
        limiter: RateLimiter
        if url is None:
            limiter = MemoryRateLimiter(limit, period_s, now)
        else:
            limiter = RedisRateLimiter.from_url(url, limit, period_s, now)
            limiter.prefix = prefix
        made.append(limiter)
        return limiter

    yield factory
    for limiter in made:
        await limiter.close()


@pytest.fixture
def now() -> FakeTime:
    return FakeTime()


async def test_a_key_gets_its_limit_then_refusals(make: Factory) -> None:
    limiter = make(3, 60)
    decisions = [await limiter.hit("k") for _ in range(5)]
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0, 0]
    assert {d.limit for d in decisions} == {3}


async def test_the_reset_counts_down_to_the_window_end(make: Factory, now: FakeTime) -> None:
    limiter = make(3, 60)
    first = await limiter.hit("k")
    assert 1 <= first.reset_s <= 60
    now.value += first.reset_s - 1
    assert (await limiter.hit("k")).reset_s == 1


async def test_a_new_window_restores_the_budget(make: Factory, now: FakeTime) -> None:
    limiter = make(2, 60)
    for _ in range(3):
        last = await limiter.hit("k")
    assert not last.allowed
    now.value += last.reset_s
    fresh = await limiter.hit("k")
    assert fresh.allowed and fresh.remaining == 1


async def test_keys_do_not_share_a_budget(make: Factory) -> None:
    limiter = make(1, 60)
    assert (await limiter.hit("a")).allowed
    assert not (await limiter.hit("a")).allowed
    assert (await limiter.hit("b")).allowed


async def test_limiters_on_one_store_share_the_budget(make: Factory) -> None:
    """Two processes on Redis share a key's budget; in memory each process has its own."""
    one, two = make(2, 60), make(2, 60)
    await one.hit("k")
    await two.hit("k")
    shared = isinstance(one, RedisRateLimiter)
    assert (await one.hit("k")).allowed is not shared


def test_windows_are_staggered_per_key_and_agree_across_processes() -> None:
    ends = {window_for(f"key-{i}", 60, 1_000_000.0).end for i in range(50)}
    assert len(ends) > 10  # not every key's window ends at the same second
    assert window_for("k", 60, 5.0) == window_for("k", 60, 5.0)


async def test_redis_down_falls_back_to_per_process_counts(now: FakeTime) -> None:
    limiter = RedisRateLimiter.from_url("redis://127.0.0.1:1/0", 2, 60, now)
    try:
        decisions = [await limiter.hit("k") for _ in range(3)]
    finally:
        await limiter.close()
    assert [d.allowed for d in decisions] == [True, True, False]
