"""Helpers to play the browser against the fake X: consent, then hand back the code."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

import aiohttp
import httpx

from adapters.clock import ManualClock
from adapters.platforms.twitter import AiohttpTwitterGateway
from application.start_connect import TWITTER_SCOPES, code_challenge
from tests.fakes.x import DEFAULT_CLIENT, FakeX

CALLBACK_PATH = "/api/platforms/twitter/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, code_challenge(verifier)


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


async def consent(browser: httpx.AsyncClient, authorize_url: str) -> str:
    """Opens an authorize URL as the signed-in person would; returns where X sends them."""
    answer = await browser.get(authorize_url)
    assert answer.status_code in (302, 303), answer.text
    return answer.headers["location"]


async def authorization_code(
    browser: httpx.AsyncClient,
    fake: FakeX,
    challenge: str,
    *,
    client_id: str = DEFAULT_CLIENT.client_id,
    redirect_uri: str = DEFAULT_CLIENT.redirect_uris[0],
    scopes: tuple[str, ...] = TWITTER_SCOPES,
) -> str:
    params = httpx.QueryParams(
        response_type="code",
        client_id=client_id,
        redirect_uri=redirect_uri,
        scope=" ".join(scopes),
        state="state-" + secrets.token_hex(4),
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    location = await consent(browser, fake.url(f"/i/oauth2/authorize?{params}"))
    return query_of(location)["code"]


def x_gateway(
    fake: FakeX,
    http: aiohttp.ClientSession,
    clock: ManualClock,
    *,
    client_id: str = DEFAULT_CLIENT.client_id,
    client_secret: str | None = DEFAULT_CLIENT.secret,
) -> AiohttpTwitterGateway:
    return AiohttpTwitterGateway(
        http, clock, api_url=fake.url(""), client_id=client_id, client_secret=client_secret
    )
