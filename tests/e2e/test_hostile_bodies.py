"""What a careless or hostile client sends: every answer is the envelope with the
contract's code, never a 500, with or without an `Idempotency-Key`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.clock import ManualClock
from application.workspaces import CreatedWorkspace
from tests.e2e.conftest import START, Api
from tests.e2e.test_rate_limit import api_with

BODY_ROUTES = [("POST", "/v1/posts"), ("POST", "/v1/integrations/bluesky/connect")]


@pytest.fixture
async def api(sqlite_url: str) -> AsyncIterator[Api]:
    async with api_with(sqlite_url, ManualClock(START)) as api:
        yield api


async def send(
    api: Api, ws: CreatedWorkspace, method: str, path: str, body: bytes, key: str | None = None
) -> Any:
    headers = {**api.auth(ws), "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    return await api.client.request(method, path, content=body, headers=headers)


def assert_envelope(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, (answer.status_code, answer.text)
    assert answer.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = answer.json()
    assert body["code"] == code, body
    assert body["request_id"] == answer.headers["request-id"]
    return body


MALFORMED = {
    "nested 2000 deep": b"[" * 2000 + b"]" * 2000,
    "nested 65 deep in an object": b'{"content": ' + b"[" * 65 + b"]" * 65 + b"}",
    "truncated": b'{"content": "hel',
    "not UTF-8": b'{"content": "\xff\xfe"}',
    "a number out of range": b'{"content": 1e999999}',
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize("key", [None, "k-1"])
@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
async def test_malformed_json_is_invalid_json(
    api: Api, method: str, path: str, key: str | None, body: bytes
) -> None:
    ws = await api.workspace()
    assert_envelope(await send(api, ws, method, path, body, key), 400, "invalid_json")


async def test_malformed_json_on_patch_is_invalid_json(api: Api) -> None:
    ws = await api.workspace()
    ids = [str(i.id) for i in ws.integrations]
    post = await api.client.post(
        "/v1/posts", json={"content": "hi", "integrations": ids}, headers=api.auth(ws)
    )
    path = f"/v1/posts/{post.json()['id']}"
    for body in MALFORMED.values():
        assert_envelope(await send(api, ws, "PATCH", path, body), 400, "invalid_json")


async def test_nesting_within_the_cap_is_parsed(api: Api) -> None:
    ws = await api.workspace()
    body = b'{"content": ' + b"[" * 63 + b"]" * 63 + b', "integrations": []}'
    answer = await send(api, ws, "POST", "/v1/posts", body)
    assert_envelope(answer, 422, "validation_error")  # parsed, then refused by type


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
async def test_a_schedule_beyond_the_calendar_is_422(api: Api, moment: str) -> None:
    ws = await api.workspace()
    ids = [str(i.id) for i in ws.integrations]
    created = await api.client.post(
        "/v1/posts",
        json={"content": "hi", "integrations": ids, "schedule_at": moment},
        headers=api.auth(ws),
    )
    body = assert_envelope(created, 422, "validation_error")
    assert body["details"]["field"] == "schedule_at"
    draft = await api.client.post(
        "/v1/posts", json={"content": "hi", "integrations": ids}, headers=api.auth(ws)
    )
    edited = await api.client.patch(
        f"/v1/posts/{draft.json()['id']}", json={"schedule_at": moment}, headers=api.auth(ws)
    )
    body = assert_envelope(edited, 422, "validation_error")
    assert body["details"]["field"] == "schedule_at"


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
async def test_an_empty_body_names_the_body(api: Api, method: str, path: str) -> None:
    ws = await api.workspace()
    body = assert_envelope(await send(api, ws, method, path, b""), 422, "validation_error")
    assert body["details"]["field"] == "body"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"mastodon": {"content": "x"}}, "platform_overrides.mastodon"),
        ({"twitter": {}}, "platform_overrides.twitter.content"),
        ({"twitter": {"content": 5}}, "platform_overrides.twitter.content"),
    ],
)
async def test_a_bad_override_names_its_whole_path(
    api: Api, overrides: dict[str, Any], field: str
) -> None:
    ws = await api.workspace()
    answer = await api.client.post(
        "/v1/posts",
        json={"content": "hi", "integrations": [], "platform_overrides": overrides},
        headers=api.auth(ws),
    )
    body = assert_envelope(answer, 422, "validation_error")
    assert body["details"]["field"] == field


@pytest.mark.parametrize("path", ["/schema/nothing", "/schema/swagger/x", "/schema/openapi.txt"])
async def test_an_unknown_schema_page_is_the_json_404(api: Api, path: str) -> None:
    answer = await api.client.get(path)
    assert_envelope(answer, 404, "route_not_found")


async def test_head_answers_like_get_without_a_body(api: Api) -> None:
    ws = await api.workspace()
    got = await api.client.get("/v1/integrations", headers=api.auth(ws))
    head = await api.client.head("/v1/integrations", headers=api.auth(ws))
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == got.headers["content-length"]
    assert (await api.client.head("/healthz")).status_code == 200
    assert (await api.client.head("/v1/integrations")).status_code == 401
