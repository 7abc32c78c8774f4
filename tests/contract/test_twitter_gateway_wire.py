"""The X adapter at the socket, where the fake X cannot go: a connection closed without an
answer, a body cut short, a connect that never completes, a cookie. Each case says whether
a post may exist (`sent`): one that may exist is never sent again."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from adapters.clock import ManualClock
from adapters.platforms.twitter import AiohttpTwitterGateway, x_session
from application.ports.credentials import Credentials
from application.ports.platforms import PlatformUnreachable
from tests.support.scripted_http import SILENT_CLOSE, ScriptedHttp, answer

CREDENTIALS = Credentials(access_token="a", extra={"username": "someone"})
POSTED = answer(201, {"data": {"id": "1", "text": "hello"}})
PROFILE = answer(200, {"data": {"id": "7", "username": "someone", "name": "Some One"}})


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with x_session(2) as session:
        yield session


def gateway_at(url: str, http: aiohttp.ClientSession) -> AiohttpTwitterGateway:
    return AiohttpTwitterGateway(
        http, ManualClock(datetime(2026, 4, 17, tzinfo=UTC)), api_url=url, client_id="id"
    )


async def test_a_post_x_read_then_hung_up_on_may_exist(http: aiohttp.ClientSession) -> None:
    async with ScriptedHttp(SILENT_CLOSE) as x:
        with pytest.raises(PlatformUnreachable) as lost:
            await gateway_at(x.url, http).publish(CREDENTIALS, "hello")
    assert lost.value.sent is True
    assert len(x.requests) == 1


async def test_a_post_cut_on_a_reused_connection_is_not_sent_again(
    http: aiohttp.ClientSession,
) -> None:
    """A server may close an idle keep-alive connection as the next request goes out on it.
    aiohttp then retries on a new connection, but only for idempotent methods."""
    async with ScriptedHttp(POSTED, SILENT_CLOSE) as x:
        gateway = gateway_at(x.url, http)
        await gateway.publish(CREDENTIALS, "one")
        with pytest.raises(PlatformUnreachable) as lost:
            await gateway.publish(CREDENTIALS, "two")
    assert lost.value.sent is True
    assert (len(x.requests), x.connections) == (2, 1)


async def test_a_profile_read_cut_on_a_reused_connection_is_asked_again(
    http: aiohttp.ClientSession,
) -> None:
    """The other side of the case above: a GET is retried, so the count shows a resend."""
    async with ScriptedHttp(PROFILE, SILENT_CLOSE, PROFILE) as x:
        gateway = gateway_at(x.url, http)
        await gateway.profile(CREDENTIALS)
        assert (await gateway.profile(CREDENTIALS)).username == "someone"
    assert (len(x.requests), x.connections) == (3, 2)


async def test_a_post_answer_cut_short_may_be_a_post(http: aiohttp.ClientSession) -> None:
    async with ScriptedHttp(answer(201, {"data": {"id": "1"}}, cut_to=5)) as x:
        with pytest.raises(PlatformUnreachable) as lost:
            await gateway_at(x.url, http).publish(CREDENTIALS, "hello")
    assert lost.value.sent is True


async def test_a_connect_that_times_out_sent_nothing() -> None:
    """A listener whose accept queue is full: the kernel drops further SYNs, so a connect
    hangs until the connect timeout."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        fillers = [socket.socket() for _ in range(3)]
        try:
            for filler in fillers:
                filler.setblocking(False)
                filler.connect_ex(listener.getsockname())
            async with x_session(0.2) as impatient:
                gateway = gateway_at(f"http://127.0.0.1:{listener.getsockname()[1]}", impatient)
                with pytest.raises(PlatformUnreachable) as down:
                    await gateway.publish(CREDENTIALS, "hello")
        finally:
            for filler in fillers:
                filler.close()
    assert down.value.sent is False
    assert "ConnectionTimeoutError" in str(down.value)


@pytest.mark.parametrize("api_url", ["ftp://127.0.0.1:21", "http://"])
async def test_a_url_aiohttp_cannot_send_to_sent_nothing(
    http: aiohttp.ClientSession, api_url: str
) -> None:
    with pytest.raises(PlatformUnreachable) as down:
        await gateway_at(api_url, http).publish(CREDENTIALS, "hello")
    assert down.value.sent is False


@pytest.mark.parametrize("keeps_cookies", [False, True], ids=["x_session", "a cookie jar"])
async def test_a_cookie_x_sets_is_never_sent_back(keeps_cookies: bool) -> None:
    """The cookie jar's case shows the scripted cookie would come back if one were kept."""
    cookie = ("Set-Cookie", "guest_id=v1; Path=/")
    jar = aiohttp.CookieJar(unsafe=True)  # unsafe: it keeps cookies of an IP address too
    session = aiohttp.ClientSession(cookie_jar=jar) if keeps_cookies else x_session(2)
    async with session, ScriptedHttp(answer(201, {"data": {"id": "1"}}, cookie), POSTED) as x:
        gateway = gateway_at(x.url, session)
        await gateway.publish(CREDENTIALS, "one")
        await gateway.publish(CREDENTIALS, "two")
    assert (b"\r\ncookie: guest_id=v1" in x.requests[1].lower()) is keeps_cookies


async def test_idle_connections_are_dropped_before_servers_drop_them(
    http: aiohttp.ClientSession,
) -> None:
    """A post sent on a connection the server is closing is cut, may have arrived, and
    fails `outcome_unknown`. Servers close idle connections after 5 s and up (uvicorn's
    default is 5 s), so the session must let them go sooner; aiohttp's own default (15 s)
    lost 2 posts in 1,000 that way in the publishing benchmark."""
    connector = http.connector
    assert isinstance(connector, aiohttp.TCPConnector)
    assert connector._keepalive_timeout < 5  # no public accessor
