"""OAuth state hygiene over HTTP, on SQLite and PostgreSQL, with a clock the test moves:
a state lives 10 minutes, works once (spent even by a failing callback), connects only
into the workspace that asked for it, sends X back to exactly the configured callback,
and expired states are purged. The simulated consent of test workspaces plays X."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import ManualClock
from adapters.persistence.sqlalchemy.migrate import upgrade
from application.ports.oauth_states import OAuthState
from application.ports.unit_of_work import UnitOfWorkFactory
from application.workspaces import CreatedWorkspace
from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from tests.e2e.conftest import START, Api, ClockOverride, settings_for
from tests.support.asgi import client_for
from tests.support.x import query_of

CALLBACK = "/api/platforms/twitter/callback"


async def start(api: Api, ws: CreatedWorkspace) -> dict[str, str]:
    answer = await api.client.get("/v1/integrations/twitter/connect", headers=api.auth(ws))
    assert answer.status_code == 200, answer.text
    body: dict[str, str] = answer.json()
    return body


async def consent(api: Api, started: dict[str, str]) -> str:
    """The simulated consent screen: where it sends the browser back (path and query)."""
    parts = urlsplit(started["url"])
    answer = await api.client.get(f"{parts.path}?{parts.query}")
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(started["redirect_uri"] + "?")
    back = urlsplit(location)
    return f"{back.path}?{back.query}"


async def stored_state(api: Api, state: str) -> OAuthState | None:
    factory = await api.container.get(UnitOfWorkFactory)
    async with factory() as uow:
        return await uow.oauth_states.get(state)


async def twitter_ids(api: Api, ws: CreatedWorkspace) -> set[str]:
    listed = await api.client.get("/v1/integrations?status=active", headers=api.auth(ws))
    return {i["id"] for i in listed.json()["data"] if i["platform"] == "twitter"}


async def test_a_state_lives_ten_minutes(api: Api) -> None:
    ws = await api.workspace()
    in_time, too_late = await start(api, ws), await start(api, ws)

    api.clock.advance(timedelta(minutes=10) - timedelta(seconds=10))
    assert (await api.client.get(await consent(api, in_time))).status_code == 200
    back = await consent(api, too_late)  # consented in time, but the browser dawdles
    api.clock.advance(timedelta(seconds=10))
    expired = await api.client.get(back)
    assert expired.status_code == 400 and "expired" in expired.text
    # Refused, and spent all the same: the link does not come back to life.
    assert await stored_state(api, too_late["state"]) is None
    assert (await api.client.get(back)).status_code == 400


async def test_a_state_works_once(api: Api) -> None:
    ws = await api.workspace()
    back = await consent(api, await start(api, ws))
    assert (await api.client.get(back)).status_code == 200
    replayed = await api.client.get(back)
    assert replayed.status_code == 400 and "already used" in replayed.text
    assert replayed.headers["cache-control"] == "no-store"


async def test_a_state_connects_only_into_its_own_workspace(api: Api) -> None:
    mine, theirs = await api.workspace("mine"), await api.workspace("theirs")
    for ws in (mine, theirs):  # the same synthetic X account, disconnected in both
        for twitter in await twitter_ids(api, ws):
            await api.client.delete(f"/v1/integrations/{twitter}", headers=api.auth(ws))
    started = await start(api, mine)
    pending = await stored_state(api, started["state"])
    assert pending is not None and pending.workspace_id == mine.workspace.id

    # The browser carries no key; even one holding another workspace's key lands in mine.
    landed = await api.client.get(await consent(api, started), headers=api.auth(theirs))

    assert landed.status_code == 200
    assert len(await twitter_ids(api, mine)) == 1
    assert await twitter_ids(api, theirs) == set()


async def test_a_forged_or_foreign_state_never_reaches_a_workspace(api: Api) -> None:
    ws = await api.workspace()
    before = await twitter_ids(api, ws)
    started = await start(api, ws)
    forged = started["state"][:-2] + ("AA" if not started["state"].endswith("AA") else "BB")
    answer = await api.client.get(f"{CALLBACK}?state={forged}&code=anything")
    assert answer.status_code == 400
    assert await twitter_ids(api, ws) == before
    assert await stored_state(api, started["state"]) is not None  # the real one is untouched


async def test_expired_states_are_purged(api: Api) -> None:
    ws = await api.workspace()
    old = [await start(api, ws) for _ in range(3)]
    api.clock.advance(timedelta(minutes=5))
    younger = await start(api, ws)
    api.clock.advance(timedelta(minutes=6))  # the first three are past 10 minutes

    newest = await start(api, ws)  # every new connect sweeps the expired ones away

    assert [await stored_state(api, s["state"]) for s in old] == [None, None, None]
    assert await stored_state(api, younger["state"]) is not None
    assert await stored_state(api, newest["state"]) is not None


@pytest.fixture
async def prefixed(database_url: str) -> AsyncIterator[Api]:
    """The service published under a path, with a trailing slash in its configuration."""
    settings = settings_for(database_url, OPENPOST_PUBLIC_URL="https://api.example.test/op/")
    container = build_container(settings, ClockOverride(ManualClock(START)))
    await upgrade(await container.get(AsyncEngine))
    try:
        async with client_for(create_app(settings, container)) as client:
            yield Api(client=client, container=container, clock=ManualClock(START))
    finally:
        await container.close()


async def test_x_is_sent_back_to_exactly_the_configured_callback(prefixed: Api) -> None:
    exact = "https://api.example.test/op" + CALLBACK
    started = await start(prefixed, await prefixed.workspace())
    assert started["redirect_uri"] == exact
    assert query_of(started["url"])["redirect_uri"] == exact
    pending = await stored_state(prefixed, started["state"])
    assert pending is not None and pending.redirect_uri == exact
    # The reverse proxy strips the /op prefix on its way in.
    authorize = httpx.URL(started["url"])
    path = authorize.raw_path.decode().removeprefix("/op")
    answer = await prefixed.client.get(path)
    assert answer.headers["location"].startswith(exact + "?state=")
