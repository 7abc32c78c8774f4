"""The API reference page at /schema loads everything from the app itself (no CDN: it
works offline and nobody else's script runs in it), and cannot be framed."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest

from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from tests.e2e.conftest import settings_for
from tests.support.asgi import client_for


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for("sqlite+aiosqlite:///:memory:")
    async with client_for(create_app(settings, build_container(settings))) as client:
        yield client


def referenced(html: str) -> list[str]:
    return re.findall(r'(?:src|href|data-openapi-url)="([^"]+)"', html)


async def test_the_page_names_only_same_origin_assets_and_each_is_served(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    urls = referenced(page.text)
    assert len(urls) >= 4 and "/schema/openapi.json" in urls
    assert "<script>" not in page.text  # no inline script: the policy allows none
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/"), url
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert asset.content, url
    bundle = await client.get("/schema/assets/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert b"SwaggerUIBundle" in bundle.content


async def test_the_page_cannot_be_framed_nor_load_from_elsewhere(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/schema")
    policy = {
        name: value
        for name, _, value in (p.strip().partition(" ") for p in page.headers["content-security-policy"].split(";"))
    }
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert all("http" not in value and "*" not in value for value in policy.values())
    assert page.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("name", ["index.html", "../__init__.py", "swagger-ui.js.map", "x.js"])
async def test_nothing_else_of_the_package_is_reachable(
    client: httpx.AsyncClient, name: str
) -> None:
    assert (await client.get(f"/schema/assets/{name}")).status_code == 404
