"""Failed Bluesky logins over HTTP: the sixth try at one account within 15 minutes is 429
`too_many_attempts` with `Retry-After`, counted per process or, with `REDIS_URL`, across
every process sharing the Redis."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta

import httpx
import pytest

from adapters.clock import ManualClock
from adapters.platforms.simulated import SIMULATED_APP_PASSWORD
from tests.e2e.conftest import START, Api
from tests.e2e.test_rate_limit import api_with
from tests.support.redis import available_redis_url

CONNECT = "/v1/integrations/bluesky/connect"
WRONG = "wrong-wrong-wrong-wrong"


async def connect(api: Api, headers: dict[str, str], handle: str, password: str) -> httpx.Response:
    return await api.client.post(
        CONNECT,
        json={"identifier": handle, "password": password},
        headers={**headers, "Idempotency-Key": secrets.token_hex(8)},
    )


@pytest.fixture(params=["memory", "redis"])
async def store_env(request: pytest.FixtureRequest) -> dict[str, str]:
    if request.param == "memory":
        return {}
    return {"OPENPOST_REDIS_URL": await available_redis_url()}


@pytest.fixture
async def api(sqlite_url: str, store_env: dict[str, str]) -> AsyncIterator[Api]:
    async with api_with(
        sqlite_url, ManualClock(START), OPENPOST_RATE_LIMIT="0", **store_env
    ) as api:
        yield api


async def test_the_sixth_try_at_an_account_is_429_until_the_window_passes(api: Api) -> None:
    h = api.auth(await api.workspace())
    failures = [await connect(api, h, "victim.bsky.social", WRONG) for _ in range(5)]
    assert [(a.status_code, a.json()["code"]) for a in failures] == [
        (422, "invalid_credentials")
    ] * 5

    refused = await connect(api, h, "@Victim.bsky.social", SIMULATED_APP_PASSWORD)
    assert refused.status_code == 429
    assert refused.json() == {
        "error": "Too many failed logins for this account or workspace; retry later.",
        "code": "too_many_attempts",
        "request_id": refused.headers["request-id"],
    }
    assert refused.headers["retry-after"] == "900"

    api.clock.advance(timedelta(seconds=899))
    assert (await connect(api, h, "victim.bsky.social", SIMULATED_APP_PASSWORD)).status_code == 429
    api.clock.advance(timedelta(seconds=1))
    assert (await connect(api, h, "victim.bsky.social", SIMULATED_APP_PASSWORD)).status_code == 201


async def test_a_workspace_trying_many_accounts_is_stopped_at_twenty_failures(api: Api) -> None:
    h = api.auth(await api.workspace())
    for n in range(20):
        assert (await connect(api, h, f"account-{n}.bsky.social", WRONG)).status_code == 422
    refused = await connect(api, h, "fresh.bsky.social", SIMULATED_APP_PASSWORD)
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_attempts"

    other = api.auth(await api.workspace("other"))
    assert (await connect(api, other, "fresh.bsky.social", SIMULATED_APP_PASSWORD)).status_code == 201


async def test_processes_on_one_redis_count_the_same_failures(sqlite_url: str) -> None:
    redis = await available_redis_url()
    async with AsyncExitStack() as stack:
        first, second = [
            await stack.enter_async_context(
                api_with(sqlite_url, ManualClock(START), OPENPOST_REDIS_URL=redis)
            )
            for _ in range(2)
        ]
        h = first.auth(await first.workspace())
        for api in (first, second, first, second, first):
            assert (await connect(api, h, "victim.bsky.social", WRONG)).status_code == 422
        for api in (first, second):
            answer = await connect(api, h, "victim.bsky.social", SIMULATED_APP_PASSWORD)
            assert answer.status_code == 429, answer.text
