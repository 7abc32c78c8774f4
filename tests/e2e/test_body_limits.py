"""Bodies over `MAX_BODY_BYTES` are refused with 413 `payload_too_large`, whether the client
announces the size (`Content-Length`) or streams it in chunks; never a 500."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.clock import ManualClock
from tests.e2e.conftest import START, Api
from tests.e2e.test_rate_limit import api_with
from tests.support.serve import base_env, demo_key, serve

LIMIT = 1024
ROUTES = ["/v1/integrations/bluesky/connect", "/v1/posts"]


@pytest.fixture
async def small(sqlite_url: str) -> AsyncIterator[Api]:
    clock = ManualClock(START)
    async with api_with(sqlite_url, clock, OPENPOST_MAX_BODY_BYTES=str(LIMIT)) as api:
        yield api


def too_big() -> bytes:
    return b'{"identifier": "' + b"a" * LIMIT + b'", "password": "x"}'


async def chunks(body: bytes, size: int = 100) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def assert_413(answer: object) -> None:
    status = answer.status_code  # type: ignore[attr-defined]
    body = answer.json()  # type: ignore[attr-defined]
    assert status == 413, (status, body)
    assert body["code"] == "payload_too_large"
    assert body["request_id"] == answer.headers["request-id"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("idempotency", [False, True])
async def test_an_announced_large_body_is_413(small: Api, path: str, idempotency: bool) -> None:
    headers = small.auth(await small.workspace())
    headers["Content-Type"] = "application/json"
    if idempotency:
        headers["Idempotency-Key"] = "big-1"
    answer = await small.client.post(path, content=too_big(), headers=headers)
    assert "content-length" in answer.request.headers
    assert_413(answer)


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("idempotency", [False, True])
async def test_a_chunked_large_body_is_413(small: Api, path: str, idempotency: bool) -> None:
    headers = small.auth(await small.workspace())
    headers["Content-Type"] = "application/json"
    if idempotency:
        headers["Idempotency-Key"] = "big-2"
    answer = await small.client.post(path, content=chunks(too_big()), headers=headers)
    assert "content-length" not in answer.request.headers
    assert answer.request.headers["transfer-encoding"] == "chunked"
    assert_413(answer)


async def test_a_body_within_the_limit_is_read(small: Api) -> None:
    headers = small.auth(await small.workspace())
    body = b'{"identifier": "someone.test", "password": "wrong-password"}'
    answer = await small.client.post(
        "/v1/integrations/bluesky/connect", content=chunks(body, 7), headers=headers
    )
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_credentials"


def raw_request(url: str, head: str, body: bytes) -> tuple[int, bytes]:
    """One request on a socket, as bytes, so nothing tidies the framing on the way."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    return int(answer.split(b" ", 2)[1]), answer


def test_the_real_server_refuses_large_bodies_chunked_or_announced(tmp_path: Path) -> None:
    env = base_env(OPENPOST_MAX_BODY_BYTES=str(LIMIT))
    with serve(tmp_path, env, "--no-worker") as server:
        key = demo_key(server)
        common = (
            "POST /v1/integrations/bluesky/connect HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
            "Connection: close\r\n"
        )
        body = too_big()
        chunked = b"".join(
            f"{len(body[i : i + 100]):x}\r\n".encode() + body[i : i + 100] + b"\r\n"
            for i in range(0, len(body), 100)
        )
        status, answer = raw_request(
            server.url, common + "Transfer-Encoding: chunked\r\n", chunked + b"0\r\n\r\n"
        )
        assert status == 413 and b'"payload_too_large"' in answer
        # A size announced but never sent is refused at once, without waiting for it.
        status, answer = raw_request(server.url, common + "Content-Length: 100000000\r\n", b"")
        assert status == 413 and b'"payload_too_large"' in answer
        assert server.stop() == 0
