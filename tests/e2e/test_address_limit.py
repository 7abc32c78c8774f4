"""Unauthenticated traffic is limited per client address (here 3 a minute): health, the
schema, the X callback, the consent screen and every refused key share one budget; past
it, 429 `rate_limited` with `Retry-After`, and a refused address's made-up keys are not
looked up at all. Authenticated requests never count against it."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import ManualClock
from adapters.decorators.principals import CachedPrincipals
from adapters.persistence.sqlalchemy.migrate import upgrade
from application.authenticate import AuthenticateApiKey
from application.ports.api_keys import PrincipalLookup
from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from tests.e2e.conftest import START, Api, ClockOverride, settings_for
from tests.support.asgi import lifespan
from tests.support.redis import available_redis_url

PEER = "192.0.2.10"
MADE_UP = {"Authorization": "Bearer op_live_" + "x" * 32}


@asynccontextmanager
async def limited_app(url: str, clock: ManualClock, **env: str) -> AsyncIterator[Any]:
    settings = settings_for(url, OPENPOST_UNAUTHENTICATED_RATE_LIMIT="3/minute", **env)
    container = build_container(settings, ClockOverride(clock))
    await upgrade(await container.get(AsyncEngine))
    app = create_app(settings, container)
    try:
        async with lifespan(app):
            yield app, container
    finally:
        await container.close()


def client(app: Any, peer: str = PEER) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def limited(sqlite_url: str) -> AsyncIterator[tuple[Api, Any]]:
    clock = ManualClock(START)
    async with limited_app(sqlite_url, clock) as (app, container), client(app) as http:
        yield Api(client=http, container=container, clock=clock), app


def assert_limited(answer: httpx.Response) -> None:
    assert answer.status_code == 429, answer.text
    assert answer.json() == {
        "error": "Too many unauthenticated requests from this address; "
        "retry after the window resets.",
        "code": "rate_limited",
        "request_id": answer.headers["request-id"],
    }
    assert 1 <= int(answer.headers["retry-after"]) <= 60


async def test_unauthenticated_routes_share_one_budget_per_address(
    limited: tuple[Api, Any],
) -> None:
    api, app = limited
    answers = [
        await api.client.get("/healthz"),
        await api.client.get("/schema/openapi.json"),
        await api.client.get("/api/platforms/twitter/callback?state=forged&code=x"),
    ]
    assert [a.status_code for a in answers] == [200, 200, 400]
    for path in ("/readyz", "/api/platforms/twitter/simulated-authorize", "/nowhere"):
        assert_limited(await api.client.get(path))

    async with client(app, "192.0.2.11") as other:
        assert (await other.get("/healthz")).status_code == 200

    api.clock.advance(timedelta(minutes=1))
    assert (await api.client.get("/healthz")).status_code == 200


async def test_refused_keys_count_and_past_the_budget_cost_no_lookup(
    limited: tuple[Api, Any],
) -> None:
    api, _ = limited
    ws = await api.workspace()
    authenticate = await api.container.get(AuthenticateApiKey)
    principals = await api.container.get(PrincipalLookup)
    assert isinstance(principals, CachedPrincipals)
    for n in range(3):
        made_up = {"Authorization": f"Bearer op_live_{n:032d}"}
        assert (await api.client.get("/v1/integrations", headers=made_up)).status_code == 401
    assert_limited(await api.client.get("/v1/integrations", headers=MADE_UP))
    assert_limited(await api.client.get("/v1/integrations"))
    looked_up = len(principals._misses)
    for n in range(3, 50):
        made_up = {"Authorization": f"Bearer op_live_{n:032d}"}
        assert_limited(await api.client.get("/v1/integrations", headers=made_up))
    assert len(principals._misses) == looked_up  # refused before any lookup

    # A valid key is not held back by the address's budget once this process knows it.
    await authenticate.execute(ws.api_key.plaintext)
    assert (await api.client.get("/v1/integrations", headers=api.auth(ws))).status_code == 200


async def test_authenticated_requests_never_count(limited: tuple[Api, Any]) -> None:
    api, _ = limited
    h = api.auth(await api.workspace())
    for _ in range(10):
        assert (await api.client.get("/v1/integrations", headers=h)).status_code == 200
    assert (await api.client.get("/healthz")).status_code == 200


async def test_forwarded_addresses_are_believed_only_from_trusted_proxies(
    sqlite_url: str,
) -> None:
    clock = ManualClock(START)
    async with limited_app(sqlite_url, clock) as (app, _), client(app) as http:
        for n in range(3):  # a new forged address each time changes nothing
            forged = {"X-Forwarded-For": f"198.51.100.{n}"}
            assert (await http.get("/healthz", headers=forged)).status_code == 200
        assert_limited(await http.get("/healthz", headers={"X-Forwarded-For": "198.51.100.9"}))

    async with (
        limited_app(sqlite_url, clock, OPENPOST_TRUSTED_PROXIES=PEER) as (app, _),
        client(app) as proxy,
    ):
        first = {"X-Forwarded-For": "1.2.3.4, 198.51.100.1"}
        for _ in range(3):
            assert (await proxy.get("/healthz", headers=first)).status_code == 200
        assert_limited(await proxy.get("/healthz", headers=first))
        second = {"X-Forwarded-For": "1.2.3.4, 198.51.100.2"}
        assert (await proxy.get("/healthz", headers=second)).status_code == 200


async def test_processes_on_one_redis_share_an_address_budget(sqlite_url: str) -> None:
    redis = await available_redis_url()
    # A random address and day keep this run's counters apart from any earlier run's.
    address = f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    forwarded = {"X-Forwarded-For": address}
    clock = ManualClock(START + timedelta(days=secrets.randbelow(10_000)))
    env = {"OPENPOST_REDIS_URL": redis, "OPENPOST_TRUSTED_PROXIES": PEER}
    async with AsyncExitStack() as stack:
        apps = [
            (await stack.enter_async_context(limited_app(sqlite_url, clock, **env)))[0]
            for _ in range(2)
        ]
        first, second = [await stack.enter_async_context(client(app)) for app in apps]
        for http in (first, second, first):
            assert (await http.get("/healthz", headers=forwarded)).status_code == 200
        assert_limited(await second.get("/healthz", headers=forwarded))
