"""The pages a browser lands on after X's consent: our own words for every refusal (never
the text of the URL, which anyone can craft), and headers that forbid framing and loading
anything from elsewhere."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from adapters.clock import ManualClock
from application.connect_errors import AUTHORIZATION_ERRORS, UNKNOWN_AUTHORIZATION_ERROR
from tests.e2e.conftest import START, Api
from tests.e2e.test_rate_limit import api_with
from tests.support.x import CALLBACK_PATH

SIMULATED_AUTHORIZE = "/api/platforms/twitter/simulated-authorize"
ATTACKER_TEXT = "Your account is suspended. Call +1 555 0100 to restore it"


@pytest.fixture
async def api(sqlite_url: str) -> AsyncIterator[Api]:
    async with api_with(sqlite_url, ManualClock(START), OPENPOST_RATE_LIMIT="0") as api:
        yield api


async def fresh_state(api: Api) -> str:
    """A state the service issued (a test workspace needs no X app)."""
    ws = await api.workspace()
    started = await api.client.get("/v1/integrations/twitter/connect", headers=api.auth(ws))
    return str(started.json()["state"])


async def callback_with_error(api: Api, error: str, **extra: str) -> httpx.Response:
    query = urlencode({"state": await fresh_state(api), "error": error, **extra})
    return await api.client.get(f"{CALLBACK_PATH}?{query}")


def assert_unframeable_and_self_contained(answer: httpx.Response) -> None:
    policy = answer.headers["content-security-policy"]
    directives = {
        name: value
        for name, _, value in (part.strip().partition(" ") for part in policy.split(";"))
        if name
    }
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "http" not in policy  # no other origin is allowed anything
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("code", sorted(AUTHORIZATION_ERRORS))
async def test_a_known_oauth_error_gets_our_own_sentence(api: Api, code: str) -> None:
    answer = await callback_with_error(api, code, error_description=ATTACKER_TEXT)
    assert answer.status_code == 400
    assert html.escape(AUTHORIZATION_ERRORS[code]) in answer.text
    assert ATTACKER_TEXT not in answer.text


@pytest.mark.parametrize(
    "error",
    [ATTACKER_TEXT, "<b>bold</b>", "access_denied ", "ACCESS_DENIED", "x" * 5000],
)
async def test_any_other_error_gets_a_generic_sentence_and_is_never_echoed(
    api: Api, error: str
) -> None:
    answer = await callback_with_error(api, error)
    assert answer.status_code == 400
    assert UNKNOWN_AUTHORIZATION_ERROR in answer.text
    assert error.strip() not in answer.text and "bold" not in answer.text
    assert "Access was denied" not in answer.text


async def test_every_callback_page_forbids_framing_and_other_origins(api: Api) -> None:
    ws = await api.workspace()
    started = await api.client.get("/v1/integrations/twitter/connect", headers=api.auth(ws))
    authorize = urlsplit(started.json()["url"])
    redirect = await api.client.get(f"{authorize.path}?{authorize.query}")
    assert redirect.status_code == 302
    back = urlsplit(redirect.headers["location"])
    connected = await api.client.get(f"{back.path}?{back.query}")
    assert connected.status_code == 200 and "connected" in connected.text

    answers = [
        redirect,
        connected,
        await api.client.get(f"{CALLBACK_PATH}?state=forged&code=abc"),
        await api.client.get(CALLBACK_PATH),
        await api.client.get(SIMULATED_AUTHORIZE),
        await callback_with_error(api, "access_denied"),
    ]
    for answer in answers:
        assert_unframeable_and_self_contained(answer)
