"""The key check sees the path the router routes: a doubled or trailing slash is the same
route, checked the same, and nothing unauthenticated reaches a handler."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from tests.e2e.conftest import Api

INVALID_KEY = {"error": "Invalid API key", "code": "invalid_api_key"}


async def call(app: Any, method: str, path: str, headers: dict[str, str]) -> tuple[int, Any]:
    """One request straight to the ASGI app, the path byte for byte as a client sent it
    (HTTP clients collapse `//` before sending, as `curl --path-as-is` does not)."""
    started: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started.update(message)
        else:
            chunks.append(message.get("body", b""))

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 1), "server": ("testserver", 80), "state": {},
        "headers": [(b"host", b"testserver")]
        + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }  # fmt: skip
    await app(scope, receive, send)
    body = b"".join(chunks)
    return started["status"], msgspec.json.decode(body) if body else None


NON_CANONICAL = [
    "//v1/integrations",
    "/v1//integrations",
    "/v1/integrations/",
    "//v1//integrations//",
    "///v1/posts",
    "/v1//posts/",
]


@pytest.mark.parametrize("path", NON_CANONICAL)
async def test_a_non_canonical_path_without_a_key_is_401(api: Api, path: str) -> None:
    await api.workspace()
    status, body = await call(api.app, "GET", path, {})
    assert (status, body) == (401, INVALID_KEY)


@pytest.mark.parametrize("path", NON_CANONICAL)
async def test_a_non_canonical_path_with_a_key_is_the_route(api: Api, path: str) -> None:
    h = api.auth(await api.workspace())
    status, body = await call(api.app, "GET", path, h)
    assert status == 200
    assert body["has_more"] is False


async def test_a_base_url_ending_in_a_slash_gets_the_same_answers(api: Api) -> None:
    h = api.auth(await api.workspace())
    canonical = await call(api.app, "GET", "/v1/integrations", h)
    assert await call(api.app, "GET", "//v1/integrations", h) == canonical
    assert (await call(api.app, "GET", "//healthz", {}))[0] == 200


async def test_a_handler_that_finds_no_caller_answers_401(api: Api) -> None:
    """Behind the gate's back (Litestar called directly), no route serves a request."""
    await api.workspace()
    for method, path in [
        ("GET", "/v1/integrations"),
        ("GET", "/v1/posts"),
        ("DELETE", "/v1/posts/x"),
    ]:
        status, body = await call(api.app.litestar, method, path, {})
        assert (status, body) == (401, INVALID_KEY)


async def test_the_root_points_to_the_docs_and_health(api: Api) -> None:
    answer = await api.client.get("/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["docs"] == "/schema" and body["health"] == "/healthz"
    for path in (body["openapi"], body["health"], body["ready"]):
        assert (await api.client.get(path)).status_code == 200
