"""Connecting an X account over HTTP: the app in-process, X played by the fake over real
loopback HTTP, the browser played by httpx (redirects followed by hand)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import ManualClock
from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.persistence.sqlalchemy.tables import integration_credentials
from application.workspaces import CreatedWorkspace
from domain.workspace import WorkspaceMode
from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from tests.e2e.conftest import START, Api, ClockOverride, settings_for
from tests.fakes.x import DEFAULT_CLIENT, DEFAULT_USER, FakeX
from tests.support.asgi import client_for
from tests.support.x import CALLBACK_PATH, consent, query_of

PUBLIC_URL = "http://testserver"
SUCCESS_URL = "https://app.example.test/connected?from=openpost&x=a%20b#done"

MakeApi = Callable[..., AbstractAsyncContextManager[Api]]


@pytest.fixture
def make_api(database_url: str, fake_x: FakeX) -> MakeApi:
    """The app configured with the fake X as its X (a confidential client)."""
    fake_x.register_client(
        DEFAULT_CLIENT.client_id, DEFAULT_CLIENT.secret, [PUBLIC_URL + CALLBACK_PATH]
    )

    @asynccontextmanager
    async def make(**env: str) -> AsyncIterator[Api]:
        clock = ManualClock(START)
        settings = settings_for(
            database_url,
            OPENPOST_PUBLIC_URL=PUBLIC_URL,
            OPENPOST_TWITTER_CLIENT_ID=DEFAULT_CLIENT.client_id,
            OPENPOST_TWITTER_CLIENT_SECRET=DEFAULT_CLIENT.secret or "",
            OPENPOST_TWITTER_AUTHORIZE_URL=fake_x.url("/i/oauth2/authorize"),
            OPENPOST_TWITTER_API_URL=fake_x.url(""),
            **env,
        )
        container = build_container(settings, ClockOverride(clock))
        await upgrade(await container.get(AsyncEngine))
        app = create_app(settings, container)
        try:
            async with client_for(app, base_url=PUBLIC_URL) as client:
                yield Api(client=client, container=container, clock=clock)
        finally:
            await container.close()

    return make


@pytest.fixture
async def x_api(make_api: MakeApi) -> AsyncIterator[Api]:
    async with make_api() as api:
        yield api


@pytest.fixture
async def browser() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(follow_redirects=False, timeout=5) as client:
        yield client


async def callback_url(api: Api, ws: CreatedWorkspace, browser: httpx.AsyncClient) -> str:
    """Starts a connect through the API and consents at the fake X: where X sends back."""
    started = await api.client.get("/v1/integrations/twitter/connect", headers=api.auth(ws))
    assert started.status_code == 200, started.text
    location = await consent(browser, started.json()["url"])
    assert location.startswith(PUBLIC_URL + CALLBACK_PATH + "?")
    return location


async def land(api: Api, location: str) -> httpx.Response:
    """The browser following a redirect to our own callback."""
    parts = urlsplit(location)
    return await api.client.get(f"{parts.path}?{parts.query}")


async def twitter_integrations(api: Api, ws: CreatedWorkspace) -> list[dict[str, object]]:
    listed = await api.client.get("/v1/integrations", headers=api.auth(ws))
    return [i for i in listed.json()["data"] if i["platform"] == "twitter"]


async def test_connect_lists_the_account_with_x_s_username_and_name(
    x_api: Api, browser: httpx.AsyncClient, fake_x: FakeX
) -> None:
    ws = await x_api.workspace(mode=WorkspaceMode.LIVE)

    page = await land(x_api, await callback_url(x_api, ws, browser))

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["request-id"]
    assert f"@{DEFAULT_USER.username}" in page.text and DEFAULT_USER.name in page.text
    [integration] = await twitter_integrations(x_api, ws)
    assert integration["username"] == DEFAULT_USER.username
    assert integration["display_name"] == DEFAULT_USER.name
    assert integration["platform_user_id"] == DEFAULT_USER.id
    assert integration["avatar_url"] == DEFAULT_USER.profile_image_url
    assert integration["status"] == "active" and integration["status_reason"] is None
    assert integration["connected_at"] == "2026-04-17T10:30:15Z"
    assert fake_x.code_exchanges == 1


async def test_reconnecting_keeps_the_id_also_after_a_disconnect(
    x_api: Api, browser: httpx.AsyncClient, fake_x: FakeX
) -> None:
    ws = await x_api.workspace(mode=WorkspaceMode.LIVE)
    await land(x_api, await callback_url(x_api, ws, browser))
    [first] = await twitter_integrations(x_api, ws)

    again = await land(x_api, await callback_url(x_api, ws, browser))
    assert again.status_code == 200 and "reconnected" in again.text
    gone = await x_api.client.delete(f"/v1/integrations/{first['id']}", headers=x_api.auth(ws))
    assert gone.json()["status"] == "disconnected"
    assert fake_x.revocations == 2  # refresh and access token, at X
    back = await land(x_api, await callback_url(x_api, ws, browser))
    assert back.status_code == 200

    [last] = await twitter_integrations(x_api, ws)
    assert last["id"] == first["id"] and last["status"] == "active"


async def test_two_callbacks_racing_for_a_new_account_make_one_integration(
    x_api: Api, browser: httpx.AsyncClient
) -> None:
    ws = await x_api.workspace(mode=WorkspaceMode.LIVE)
    first, second = [await callback_url(x_api, ws, browser) for _ in range(2)]

    answers = await asyncio.gather(land(x_api, first), land(x_api, second))

    assert [a.status_code for a in answers] == [200, 200]
    assert len(await twitter_integrations(x_api, ws)) == 1


async def test_a_replayed_callback_is_refused(x_api: Api, browser: httpx.AsyncClient) -> None:
    ws = await x_api.workspace(mode=WorkspaceMode.LIVE)
    location = await callback_url(x_api, ws, browser)
    assert (await land(x_api, location)).status_code == 200

    replayed = await land(x_api, location)

    assert replayed.status_code == 400
    assert replayed.headers["content-type"].startswith("text/html")
    assert "already used" in replayed.text


async def test_an_unknown_state_is_an_html_400_without_an_api_key(x_api: Api) -> None:
    answer = await x_api.client.get(f"{CALLBACK_PATH}?state=forged&code=abc")
    assert answer.status_code == 400 and "unknown" in answer.text
    bare = await x_api.client.get(CALLBACK_PATH)
    assert bare.status_code == 400


async def test_access_denied_is_a_400_naming_the_denial(
    x_api: Api, browser: httpx.AsyncClient, fake_x: FakeX
) -> None:
    ws = await x_api.workspace(mode=WorkspaceMode.LIVE)
    fake_x.deny_next_authorization()
    location = await callback_url(x_api, ws, browser)
    assert query_of(location)["error"] == "access_denied"

    answer = await land(x_api, location)

    assert answer.status_code == 400 and "denied" in answer.text
    assert await twitter_integrations(x_api, ws) == []
    assert fake_x.code_exchanges == 0


async def test_a_grant_without_tweet_write_is_a_400_naming_it(
    x_api: Api, browser: httpx.AsyncClient, fake_x: FakeX
) -> None:
    ws = await x_api.workspace(mode=WorkspaceMode.LIVE)
    fake_x.grant_next_authorization(["tweet.read", "users.read", "offline.access"])

    answer = await land(x_api, await callback_url(x_api, ws, browser))

    assert answer.status_code == 400 and "tweet.write" in answer.text
    assert await twitter_integrations(x_api, ws) == []
    assert fake_x.revocations == 2


@pytest.mark.parametrize("fault", ["fail", "reset", "malformed", "rate_limit"])
async def test_x_failing_at_the_exchange_is_an_html_502(
    x_api: Api, browser: httpx.AsyncClient, fake_x: FakeX, fault: str
) -> None:
    ws = await x_api.workspace(mode=WorkspaceMode.LIVE)
    location = await callback_url(x_api, ws, browser)
    getattr(fake_x, f"{fault}_next")("token")

    answer = await land(x_api, location)

    assert answer.status_code == 502
    assert answer.headers["content-type"].startswith("text/html")
    assert await twitter_integrations(x_api, ws) == []
    assert (await land(x_api, location)).status_code == 400  # the state is spent anyway


async def test_a_code_x_no_longer_accepts_is_a_400(
    x_api: Api, browser: httpx.AsyncClient, fake_x: FakeX
) -> None:
    ws = await x_api.workspace(mode=WorkspaceMode.LIVE)
    location = await callback_url(x_api, ws, browser)
    fake_x.advance(31)
    answer = await land(x_api, location)
    assert answer.status_code == 400 and "30 seconds" in answer.text


async def test_the_page_escapes_what_x_says_about_the_account(
    x_api: Api, browser: httpx.AsyncClient, fake_x: FakeX
) -> None:
    fake_x.register_user("777", "evil", '<script>alert("x")</script>')
    fake_x.sign_in("777")
    ws = await x_api.workspace(mode=WorkspaceMode.LIVE)

    page = await land(x_api, await callback_url(x_api, ws, browser))

    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page.text


async def test_success_redirects_to_the_configured_url_keeping_its_query(
    make_api: MakeApi, browser: httpx.AsyncClient
) -> None:
    async with make_api(OPENPOST_CONNECT_SUCCESS_URL=SUCCESS_URL) as api:
        ws = await api.workspace(mode=WorkspaceMode.LIVE)
        answer = await land(api, await callback_url(api, ws, browser))
        [integration] = await twitter_integrations(api, ws)

    assert answer.status_code == 303
    assert answer.headers["location"] == (
        "https://app.example.test/connected?from=openpost&x=a%20b"
        f"&integration_id={integration['id']}#done"
    )


async def test_a_test_workspace_connects_offline_through_the_simulated_consent(
    x_api: Api, fake_x: FakeX
) -> None:
    ws = await x_api.workspace(mode=WorkspaceMode.TEST)
    [synthetic] = await twitter_integrations(x_api, ws)
    started = (
        await x_api.client.get("/v1/integrations/twitter/connect", headers=x_api.auth(ws))
    ).json()
    assert started["url"].startswith(PUBLIC_URL + "/api/platforms/twitter/simulated-authorize?")

    consented = await land(x_api, started["url"])
    assert consented.status_code == 302
    page = await land(x_api, consented.headers["location"])

    assert page.status_code == 200 and "@openpost_demo" in page.text
    [after] = await twitter_integrations(x_api, ws)
    assert after["id"] == synthetic["id"] and after["status"] == "active"
    assert sum(fake_x.requests.values()) == 0


async def test_the_simulated_consent_refuses_a_live_workspace_state(
    x_api: Api, browser: httpx.AsyncClient
) -> None:
    ws = await x_api.workspace(mode=WorkspaceMode.LIVE)
    started = (
        await x_api.client.get("/v1/integrations/twitter/connect", headers=x_api.auth(ws))
    ).json()
    state = query_of(started["url"])["state"]
    answer = await x_api.client.get(
        f"/api/platforms/twitter/simulated-authorize?state={state}&code_challenge=abc"
    )
    assert answer.status_code == 400


async def test_tokens_never_leave_encrypted_storage(
    x_api: Api, browser: httpx.AsyncClient, fake_x: FakeX, database_url: str
) -> None:
    ws = await x_api.workspace(mode=WorkspaceMode.LIVE)
    bodies = [(await land(x_api, await callback_url(x_api, ws, browser))).text]
    [integration] = await twitter_integrations(x_api, ws)
    h = x_api.auth(ws)
    bodies.append((await x_api.client.get("/v1/integrations", headers=h)).text)
    bodies.append((await x_api.client.get(f"/v1/integrations/{integration['id']}", headers=h)).text)
    tokens = [*fake_x.oauth.access_tokens, *fake_x.oauth.refresh_tokens]
    assert len(tokens) == 2

    engine = await x_api.container.get(AsyncEngine)
    async with engine.connect() as conn:
        [ciphertext] = (await conn.execute(select(integration_credentials.c.ciphertext))).scalars()
    stored = bytes(ciphertext)
    for token in tokens:
        assert token.encode() not in stored
        assert all(token not in body for body in bodies)

    bodies.append(
        (await x_api.client.delete(f"/v1/integrations/{integration['id']}", headers=h)).text
    )
    assert all(token not in body for token in tokens for body in bodies)


async def test_the_openapi_document_describes_the_callback(x_api: Api) -> None:
    paths = (await x_api.client.get("/schema/openapi.json")).json()["paths"]
    answers = paths[CALLBACK_PATH]["get"]["responses"]
    assert {"200", "303", "400", "502"} <= set(answers)
    assert "text/html" in answers["400"]["content"]
    assert "/api/platforms/twitter/simulated-authorize" in paths
