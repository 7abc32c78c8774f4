"""Rate limits per API key over HTTP: headers on every authenticated /v1 answer, 429 with
`Retry-After` past the limit, one budget per key, shared through Redis, off with `0`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import ManualClock
from adapters.persistence.sqlalchemy.migrate import upgrade
from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from tests.e2e.conftest import START, Api, ClockOverride, settings_for
from tests.support.asgi import client_for

HEADERS = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset")


@asynccontextmanager
async def api_with(url: str, clock: ManualClock, **env: str) -> AsyncIterator[Api]:
    settings = settings_for(url, **env)
    container = build_container(settings, ClockOverride(clock))
    await upgrade(await container.get(AsyncEngine))
    try:
        async with client_for(create_app(settings, container)) as client:
            yield Api(client=client, container=container, clock=clock)
    finally:
        await container.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def limited(sqlite_url: str, clock: ManualClock) -> AsyncIterator[Api]:
    async with api_with(sqlite_url, clock, OPENPOST_RATE_LIMIT="3/minute") as api:
        yield api


async def test_every_authenticated_answer_carries_the_headers(limited: Api) -> None:
    h = limited.auth(await limited.workspace())
    ok = await limited.client.get("/v1/integrations", headers=h)
    missing = await limited.client.get("/v1/integrations/nope", headers=h)
    assert ok.status_code == 200 and missing.status_code == 404
    assert ok.headers["ratelimit-limit"] == "3"
    assert [ok.headers["ratelimit-remaining"], missing.headers["ratelimit-remaining"]] == ["2", "1"]
    assert 1 <= int(ok.headers["ratelimit-reset"]) <= 60


async def test_unauthenticated_answers_have_no_budget(limited: Api) -> None:
    for path in ("/healthz", "/v1/integrations"):
        answer = await limited.client.get(path)
        assert not any(name in answer.headers for name in HEADERS), path


async def test_past_the_limit_429_with_retry_after(limited: Api) -> None:
    h = limited.auth(await limited.workspace())
    answers = [await limited.client.get("/v1/integrations", headers=h) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    body = refused.json()
    assert body == {
        "error": body["error"],
        "code": "rate_limited",
        "request_id": refused.headers["request-id"],
    }
    retry = refused.headers["retry-after"]
    assert retry.isdigit() and retry == refused.headers["ratelimit-reset"]
    assert refused.headers["ratelimit-remaining"] == "0"

    limited.clock.advance(int(retry))
    again = await limited.client.get("/v1/integrations", headers=h)
    assert again.status_code == 200 and again.headers["ratelimit-remaining"] == "2"


async def test_a_refused_request_reaches_nothing(limited: Api) -> None:
    ws = await limited.workspace()
    target = ws.integrations[0].id
    for _ in range(3):
        await limited.client.get("/v1/integrations", headers=limited.auth(ws))
    refused = await limited.client.delete(f"/v1/integrations/{target}", headers=limited.auth(ws))
    assert refused.status_code == 429
    limited.clock.advance(61)
    still = await limited.client.get(f"/v1/integrations/{target}", headers=limited.auth(ws))
    assert still.json()["status"] == "active"


async def test_each_key_has_its_own_budget(limited: Api) -> None:
    mine, theirs = await limited.workspace("mine"), await limited.workspace("theirs")
    for _ in range(4):
        await limited.client.get("/v1/integrations", headers=limited.auth(mine))
    answer = await limited.client.get("/v1/integrations", headers=limited.auth(theirs))
    assert answer.status_code == 200 and answer.headers["ratelimit-remaining"] == "2"


async def test_zero_disables_rate_limits(sqlite_url: str, clock: ManualClock) -> None:
    async with api_with(sqlite_url, clock, OPENPOST_RATE_LIMIT="0") as api:
        h = api.auth(await api.workspace())
        answers = [await api.client.get("/v1/integrations", headers=h) for _ in range(20)]
    assert {a.status_code for a in answers} == {200}
    assert not any(name in answers[-1].headers for name in HEADERS)


async def test_two_instances_on_one_redis_share_a_budget(
    tmp_path: Path, redis_url: str, clock: ManualClock
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    env = {"OPENPOST_RATE_LIMIT": "4/minute", "OPENPOST_REDIS_URL": redis_url}
    async with AsyncExitStack() as stack:
        one = await stack.enter_async_context(api_with(url, clock, **env))
        two = await stack.enter_async_context(api_with(url, clock, **env))
        h = one.auth(await one.workspace())
        statuses = []
        for instance in (one, two, one, two, one, two):
            answer = await instance.client.get("/v1/integrations", headers=h)
            statuses.append(answer.status_code)
        assert statuses == [200, 200, 200, 200, 429, 429]
        assert answer.headers["retry-after"].isdigit()
