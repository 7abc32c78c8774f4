"""POST /v1/integrations/bluesky/connect over HTTP, in-process, against the local PDS."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import ManualClock
from adapters.persistence.sqlalchemy.migrate import upgrade
from adapters.persistence.sqlalchemy.tables import metadata
from application.ports.credentials import Credentials
from application.ports.unit_of_work import UnitOfWork
from domain.workspace import WorkspaceMode
from entrypoints.composition import build_container
from entrypoints.http.app import create_app
from tests.e2e.conftest import START, Api, ClockOverride, settings_for
from tests.peers.bluesky_pds import LocalPds
from tests.support.asgi import client_for

pytestmark = pytest.mark.pds

CONNECT = "/v1/integrations/bluesky/connect"


@asynccontextmanager
async def app_for(database_url: str, service_url: str) -> AsyncIterator[Api]:
    clock = ManualClock(START)
    settings = settings_for(database_url, OPENPOST_BLUESKY_SERVICE_URL=service_url)
    container = build_container(settings, ClockOverride(clock))
    await upgrade(await container.get(AsyncEngine))
    try:
        async with client_for(create_app(settings, container)) as client:
            yield Api(client=client, container=container, clock=clock)
    finally:
        await container.close()


@pytest.fixture
async def api(database_url: str, bluesky_pds: LocalPds) -> AsyncIterator[Api]:
    """On SQLite and PostgreSQL: for what is stored."""
    async with app_for(database_url, bluesky_pds.url) as api:
        yield api


@pytest.fixture
async def sqlite_api(sqlite_url: str, bluesky_pds: LocalPds) -> AsyncIterator[Api]:
    """On SQLite only: for the shape of answers, which the database does not change."""
    async with app_for(sqlite_url, bluesky_pds.url) as api:
        yield api


async def test_connect_creates_then_reactivates_the_same_integration(
    api: Api, bluesky_pds: LocalPds
) -> None:
    account = bluesky_pds.create_account(display_name="Ada Lovelace")
    app_password = bluesky_pds.create_app_password(account)
    h = api.auth(await api.workspace(mode=WorkspaceMode.LIVE))

    first = await api.client.post(
        CONNECT, json={"identifier": f"@{account.handle}", "password": app_password}, headers=h
    )

    assert first.status_code == 201, first.text
    body = first.json()
    assert body["platform"] == "bluesky"
    assert (body["username"], body["display_name"]) == (account.handle, "Ada Lovelace")
    assert body["platform_user_id"] == account.did
    assert (body["status"], body["status_reason"], body["warnings"]) == ("active", None, [])
    assert body["connected_at"] == "2026-04-17T10:30:15Z"
    deleted = await api.client.delete(f"/v1/integrations/{body['id']}", headers=h)
    assert deleted.json()["status"] == "disconnected"

    api.clock.advance(60)
    again = await api.client.post(
        CONNECT, json={"identifier": account.handle, "password": app_password}, headers=h
    )

    assert again.status_code == 200, again.text
    assert again.json()["id"] == body["id"]
    assert again.json()["status"] == "active" and again.json()["status_reason"] is None
    assert again.json()["connected_at"] == "2026-04-17T10:31:15Z"
    listed = (await api.client.get("/v1/integrations", headers=h)).json()["data"]
    assert [i["id"] for i in listed] == [body["id"]]


async def test_disconnect_ends_the_session_and_erases_the_credentials(
    api: Api, bluesky_pds: LocalPds
) -> None:
    account = bluesky_pds.create_account()
    app_password = bluesky_pds.create_app_password(account)
    h = api.auth(await api.workspace(mode=WorkspaceMode.LIVE))
    connected = await api.client.post(
        CONNECT, json={"identifier": account.handle, "password": app_password}, headers=h
    )
    integration_id = UUID(connected.json()["id"])
    before = await _stored(api, integration_id)
    assert before is not None and before.refresh_token is not None

    await api.client.delete(f"/v1/integrations/{integration_id}", headers=h)

    assert await _stored(api, integration_id) is None
    refused = bluesky_pds.xrpc(
        "com.atproto.server.refreshSession", post=True, token=before.refresh_token
    )
    assert refused.status_code == 400 and refused.json()["error"] == "ExpiredToken"


async def test_a_main_password_connects_with_a_warning(api: Api, bluesky_pds: LocalPds) -> None:
    account = bluesky_pds.create_account()
    h = api.auth(await api.workspace(mode=WorkspaceMode.LIVE))

    answer = await api.client.post(
        CONNECT, json={"identifier": account.handle, "password": account.password}, headers=h
    )

    assert answer.status_code == 201
    assert answer.json()["warnings"] == ["main_password_used"]


async def test_wrong_credentials_are_422_invalid_credentials(
    api: Api, bluesky_pds: LocalPds
) -> None:
    account = bluesky_pds.create_account()
    h = api.auth(await api.workspace(mode=WorkspaceMode.LIVE))

    answer = await api.client.post(
        CONNECT, json={"identifier": account.handle, "password": "abcd-efgh-ijkl-mnop"}, headers=h
    )

    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_credentials"
    assert answer.json()["request_id"] == answer.headers["request-id"]
    listed = await api.client.get("/v1/integrations", headers=h)
    assert listed.json()["data"] == []


async def test_a_test_workspace_connects_offline(sqlite_api: Api, bluesky_pds: LocalPds) -> None:
    api = sqlite_api
    h = api.auth(await api.workspace(mode=WorkspaceMode.TEST))
    bluesky_pds.reset_counts()

    created = await api.client.post(
        CONNECT, json={"identifier": "me.bsky.social", "password": "test-test-test-test"}, headers=h
    )
    refused = await api.client.post(
        CONNECT, json={"identifier": "me.bsky.social", "password": "abcd-efgh-ijkl-mnop"}, headers=h
    )

    assert created.status_code == 201 and created.json()["username"] == "me.bsky.social"
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_credentials"
    assert sum(bluesky_pds.counts().values()) == 0


MALFORMED: list[tuple[Any, str]] = [
    ({"identifier": "alice.test"}, "password"),
    ({"password": "abcd-efgh-ijkl-mnop"}, "identifier"),
    ({"identifier": "alice.test", "password": "x", "server": "https://evil"}, "server"),
    ({"identifier": "", "password": "abcd-efgh-ijkl-mnop"}, "identifier"),
    ({"identifier": "a" * 256, "password": "abcd-efgh-ijkl-mnop"}, "identifier"),
    ({"identifier": 7, "password": "abcd-efgh-ijkl-mnop"}, "identifier"),
    ({"identifier": "alice.test", "password": ""}, "password"),
    (["alice.test", "abcd-efgh-ijkl-mnop"], "body"),
]


async def test_malformed_bodies_are_422_validation_error(sqlite_api: Api) -> None:
    api = sqlite_api
    h = api.auth(await api.workspace(mode=WorkspaceMode.LIVE))

    for body, field in MALFORMED:
        answer = await api.client.post(CONNECT, json=body, headers=h)

        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["code"] == "validation_error"
        assert answer.json()["details"]["field"] == field, (body, answer.text)


async def test_a_body_that_is_not_json_is_400(sqlite_api: Api) -> None:
    api = sqlite_api
    h = api.auth(await api.workspace(mode=WorkspaceMode.LIVE))

    answer = await api.client.post(
        CONNECT, content=b"{identifier", headers={**h, "Content-Type": "application/json"}
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_json"


async def test_only_bluesky_connects_with_a_post(sqlite_api: Api) -> None:
    api = sqlite_api
    h = api.auth(await api.workspace(mode=WorkspaceMode.LIVE))
    body = {"identifier": "alice.test", "password": "abcd-efgh-ijkl-mnop"}

    twitter = await api.client.post("/v1/integrations/twitter/connect", json=body, headers=h)
    pending = await api.client.post("/v1/integrations/threads/connect", json=body, headers=h)
    unknown = await api.client.post("/v1/integrations/myspace/connect", json=body, headers=h)
    instructions = await api.client.get(CONNECT, headers=h)

    for refused in (twitter, pending, unknown):  # those paths take only the GET that starts
        assert (refused.status_code, refused.json()["code"]) == (405, "method_not_allowed")
        assert "GET" in refused.headers["allow"] and "POST" not in refused.headers["allow"]
    assert instructions.status_code == 200
    assert instructions.json()["url"].endswith(CONNECT)


async def test_without_a_key_it_is_401(sqlite_api: Api) -> None:
    answer = await sqlite_api.client.post(CONNECT, json={"identifier": "a.test", "password": "x"})

    assert answer.status_code == 401


async def test_an_unreachable_service_is_502(sqlite_url: str) -> None:
    async with app_for(sqlite_url, "http://127.0.0.1:9") as api:
        h = api.auth(await api.workspace(mode=WorkspaceMode.LIVE))

        answer = await api.client.post(
            CONNECT, json={"identifier": "alice.test", "password": "abcd-efgh-ijkl-mnop"}, headers=h
        )

    assert answer.status_code == 502
    assert answer.json()["code"] == "platform_unavailable_upstream"


@pytest.mark.parametrize(
    ("status", "error", "headers", "expected"),
    [
        (429, "RateLimitExceeded", {"RateLimit-Reset": "+120"}, (429, "platform_rate_limited")),
        (500, "InternalServerError", {}, (502, "platform_unavailable_upstream")),
        (401, "AuthFactorTokenRequired", {}, (422, "app_password_required")),
    ],
)
async def test_what_bluesky_answers_maps_to_the_contract(
    sqlite_url: str, status: int, error: str, headers: dict[str, str], expected: tuple[int, str]
) -> None:
    """Answers the local PDS cannot be made to give (its rate limits are off, it has no
    email 2FA), from a loopback server that answers as bsky.social does."""
    if "RateLimit-Reset" in headers:
        headers = {"RateLimit-Reset": str(int(time.time()) + 120)}
    with xrpc_answering(status, {"error": error, "message": error}, headers) as url:
        async with app_for(sqlite_url, url) as api:
            h = api.auth(await api.workspace(mode=WorkspaceMode.LIVE))

            answer = await api.client.post(
                CONNECT, json={"identifier": "a.test", "password": "abcd-efgh-ijkl-mnop"}, headers=h
            )

    assert (answer.status_code, answer.json()["code"]) == expected
    if status == 429:
        assert 100 <= int(answer.headers["retry-after"]) <= 121


async def test_secrets_never_leave_in_answers_rows_or_logs(
    api: Api, bluesky_pds: LocalPds, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    account = bluesky_pds.create_account()
    app_password = bluesky_pds.create_app_password(account)
    h = api.auth(await api.workspace(mode=WorkspaceMode.LIVE))

    answer = await api.client.post(
        CONNECT, json={"identifier": account.handle, "password": app_password}, headers=h
    )
    listed = await api.client.get("/v1/integrations", headers=h)

    assert answer.status_code == 201
    credentials = await _stored(api, UUID(answer.json()["id"]))
    assert credentials is not None
    assert credentials.password == app_password and credentials.refresh_token
    secrets = [app_password, credentials.access_token, credentials.refresh_token]
    rows = await _every_row(await api.container.get(AsyncEngine))
    logs = "\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records)
    assert caplog.records, "nothing was logged at DEBUG"
    for secret in secrets:
        assert secret not in answer.text and secret not in listed.text
        assert secret.encode() not in rows
        assert secret not in logs


async def test_the_openapi_document_describes_the_connect(sqlite_api: Api) -> None:
    document = (await sqlite_api.client.get("/schema/openapi.json")).json()

    operation = document["paths"]["/v1/integrations/bluesky/connect"]["post"]
    assert operation["operationId"] == "connectBluesky"
    assert "post" not in document["paths"]["/v1/integrations/{platform}/connect"]
    assert {"200", "201", "400", "401", "409", "413", "422", "429", "502"} <= set(
        operation["responses"]
    )
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    assert set(schema["required"]) == {"identifier", "password"}


@contextmanager
def xrpc_answering(status: int, body: dict[str, str], headers: dict[str, str]) -> Iterator[str]:
    """A loopback server answering every XRPC call with one fixed error."""
    payload = json.dumps(body).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(status)
            for name, value in {**headers, "Content-Type": "application/json"}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


async def _stored(api: Api, integration_id: UUID) -> Credentials | None:
    async with api.container() as scope:
        uow = await scope.get(UnitOfWork)
        async with uow:
            stored = await uow.credentials.get(integration_id)
    return stored.credentials if stored else None


async def _every_row(engine: AsyncEngine) -> bytes:
    """Every stored value of every table, as bytes, to search for a secret in the clear."""
    chunks: list[bytes] = []
    async with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in (await conn.execute(select(table))).all():
                for value in row:
                    chunks.append(value if isinstance(value, bytes) else str(value).encode())
    return b"\n".join(chunks)
