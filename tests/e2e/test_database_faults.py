"""The database goes away and comes back: every /v1 answer and /readyz say 503
`database_unavailable` meanwhile (no 500, no trace), and the service recovers by itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from sqlalchemy.engine import make_url

from adapters.clock import ManualClock
from adapters.decorators.principals import CachedPrincipals
from application.ports.api_keys import PrincipalLookup
from tests.e2e.conftest import START, Api
from tests.e2e.test_rate_limit import api_with
from tests.support.postgres import admin_connection, temporary_database
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres


def assert_unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    body = answer.json()
    assert body["code"] == "database_unavailable"
    assert body["request_id"] == answer.headers["request-id"]
    assert "Traceback" not in answer.text and "asyncpg" not in answer.text


async def forget_cached_keys(api: Api) -> None:
    """Past the key cache, so the gate itself must ask the database."""
    principals = await api.container.get(PrincipalLookup)
    assert isinstance(principals, CachedPrincipals)
    principals._found.clear()


async def requests_for(api: Api, headers: dict[str, str], integration: str) -> list[httpx.Response]:
    c = api.client
    return [
        await c.get("/readyz"),
        await c.get("/v1/integrations", headers=headers),
        await c.get(f"/v1/integrations/{integration}", headers=headers),
        await c.get(f"/v1/integrations/{integration}/next-slot", headers=headers),
        await c.get("/v1/integrations/twitter/connect", headers=headers),
        await c.delete(f"/v1/integrations/{integration}", headers=headers),
        await c.post(
            "/v1/posts",
            json={"content": "hi", "integrations": [integration]},
            headers={**headers, "Idempotency-Key": "fault-1"},
        ),
        await c.get("/v1/posts", headers=headers),
    ]


@pytest.fixture
async def proxied() -> AsyncIterator[tuple[Api, TcpProxy, str]]:
    async with temporary_database() as url:
        real = make_url(url)
        proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432)
        await proxy.start()
        through = real.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
        try:
            async with api_with(through, ManualClock(START), OPENPOST_RATE_LIMIT="0") as api:
                yield api, proxy, url
        finally:
            await proxy.cut()


async def test_an_unreachable_database_is_503_then_recovers(
    proxied: tuple[Api, TcpProxy, str],
) -> None:
    api, proxy, _ = proxied
    ws = await api.workspace()
    h, integration = api.auth(ws), str(ws.integrations[0].id)
    assert (await api.client.get("/v1/integrations", headers=h)).status_code == 200

    await proxy.cut()
    for answer in await requests_for(api, h, integration):
        assert_unavailable(answer)
    await forget_cached_keys(api)
    assert_unavailable(await api.client.get("/v1/integrations", headers=h))

    await proxy.start()
    assert (await api.client.get("/readyz")).status_code == 200
    listed = await api.client.get("/v1/integrations", headers=h)
    assert listed.status_code == 200 and len(listed.json()["data"]) == 2


async def test_a_database_refusing_connections_is_503_then_recovers(
    proxied: tuple[Api, TcpProxy, str],
) -> None:
    api, _, url = proxied
    name = make_url(url).database
    ws = await api.workspace()
    h, integration = api.auth(ws), str(ws.integrations[0].id)
    assert (await api.client.get("/v1/integrations", headers=h)).status_code == 200

    async with admin_connection() as admin:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        try:
            for answer in await requests_for(api, h, integration):
                assert_unavailable(answer)
            await forget_cached_keys(api)
            assert_unavailable(await api.client.get("/v1/integrations", headers=h))
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    assert (await api.client.get("/readyz")).status_code == 200
    assert (await api.client.get("/v1/integrations", headers=h)).status_code == 200


async def test_a_connection_killed_mid_query_is_503_then_recovers(
    proxied: tuple[Api, TcpProxy, str],
) -> None:
    """A request blocked on a row lock loses its backend while its statement runs."""
    api, _, url = proxied
    name = make_url(url).database
    ws = await api.workspace()
    h, integration = api.auth(ws), ws.integrations[0].id
    assert (await api.client.get(f"/v1/integrations/{integration}", headers=h)).status_code == 200

    async with admin_connection(name) as locker, admin_connection() as admin:
        lock = locker.transaction()
        await lock.start()
        await locker.execute("SELECT 1 FROM integrations WHERE id = $1 FOR UPDATE", integration)
        request = asyncio.create_task(
            api.client.delete(f"/v1/integrations/{integration}", headers=h)
        )
        waiting = await wait_for_lock_waiter(admin, name)
        await admin.execute("SELECT pg_terminate_backend($1)", waiting)
        assert_unavailable(await request)
        await lock.rollback()

    done = await api.client.delete(f"/v1/integrations/{integration}", headers=h)
    assert done.status_code == 200 and done.json()["status"] == "disconnected"


async def wait_for_lock_waiter(admin: asyncpg.Connection, database: str | None) -> int:
    """The pid of the backend waiting on a lock in `database` (polled: it is another
    process's state, there is nothing to await)."""
    for _ in range(500):
        pid = await admin.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'",
            database,
        )
        if pid is not None:
            return int(pid)
        await asyncio.sleep(0.01)
    raise AssertionError("the request never waited on the lock")
