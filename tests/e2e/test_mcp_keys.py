"""A bad key never reaches a tool: `openpost mcp` refuses to start without a valid one (and
refuses calls once it is revoked); `/mcp` answers the API's 401 and counts every request
against the key's rate limit, as `/v1` does."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
from mcp import MCPError

from tests.e2e.mcp_world import McpWorld, call, refused, world
from tests.support.serve import OPENPOST, base_env, demo_key, serve

__all__ = ["world"]

UNAUTHORIZED = {"error": "Invalid API key", "code": "invalid_api_key"}
UNKNOWN_KEY = "op_test_" + "A" * 32


def start_stdio(world: McpWorld, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(OPENPOST), "mcp"],
        cwd=world.cwd,
        env={**world.env, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("world", ["stdio"], indirect=True)
async def test_openpost_mcp_refuses_to_start_without_a_valid_key(world: McpWorld) -> None:
    created = await world.workspace()
    await world.revoke(created.api_key.plaintext)
    for key, sentence in [
        (None, "error: OPENPOST_API_KEY is not set; give it the API key of a workspace"),
        ("", "error: OPENPOST_API_KEY is not set; give it the API key of a workspace"),
        (UNKNOWN_KEY, "error: OPENPOST_API_KEY is not a valid API key (unknown or revoked)"),
        ("not-a-key", "error: OPENPOST_API_KEY is not a valid API key (unknown or revoked)"),
        (
            created.api_key.plaintext,
            "error: OPENPOST_API_KEY is not a valid API key (unknown or revoked)",
        ),
    ]:
        done = start_stdio(world, **({} if key is None else {"OPENPOST_API_KEY": key}))
        assert done.returncode == 1, done.stderr
        assert done.stdout == ""
        assert done.stderr.strip().splitlines()[-1] == sentence


@pytest.mark.parametrize("world", ["stdio"], indirect=True)
async def test_a_key_revoked_while_connected_is_refused_at_the_next_call(
    world: McpWorld,
) -> None:
    created = await world.workspace()
    async with world.client(created.api_key.plaintext) as client:
        await call(client, "list_integrations", {})
        await world.revoke(created.api_key.plaintext)
        body = await refused(client, "list_integrations", {})
    assert {k: body[k] for k in ("error", "code")} == UNAUTHORIZED


@pytest.mark.parametrize("world", ["http"], indirect=True)
async def test_mcp_over_http_answers_401_without_a_valid_key(world: McpWorld) -> None:
    assert world.server is not None
    created = await world.workspace()
    revoked = await world.workspace()
    await world.revoke(revoked.api_key.plaintext)
    url = world.server.url + "/mcp"
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    async with httpx.AsyncClient(timeout=60) as http:
        for headers in [
            {},
            {"Authorization": f"Basic {created.api_key.plaintext}"},
            {"Authorization": f"Bearer {UNKNOWN_KEY}"},
            {"Authorization": f"Bearer {revoked.api_key.plaintext}"},
        ]:
            answer = await http.post(url, json=ping, headers=headers)
            assert answer.status_code == 401, headers
            assert answer.json() == UNAUTHORIZED
            assert answer.headers["www-authenticate"] == "Bearer"
            assert answer.headers["request-id"].startswith("req_")
    with pytest.raises(ExceptionGroup) as raised:  # the SDK's client cannot even connect
        async with world.client(revoked.api_key.plaintext) as client:
            await client.list_tools()
    assert raised.group_contains(MCPError)


@pytest.mark.parametrize("world", ["http"], indirect=True)
async def test_mcp_over_http_takes_posts_only(world: McpWorld) -> None:
    """Stateless: no stream to open with GET (it would hang open), no session to DELETE."""
    assert world.server is not None
    created = await world.workspace()
    auth = {"Authorization": f"Bearer {created.api_key.plaintext}"}
    async with httpx.AsyncClient(timeout=10) as http:
        for method in ("GET", "DELETE", "PUT"):
            answer = await http.request(method, world.server.url + "/mcp", headers=auth)
            assert answer.status_code == 405
            assert answer.headers["allow"] == "POST"
            body = answer.json()
            assert body["code"] == "method_not_allowed"
            assert body["request_id"] == answer.headers["request-id"]


def test_mcp_over_http_shares_the_keys_rate_limit(tmp_path: Path) -> None:
    env = base_env(OPENPOST_RATE_LIMIT="3/minute")
    with serve(tmp_path, env, "--no-worker") as server, httpx.Client(timeout=60) as http:
        auth = {"Authorization": f"Bearer {demo_key(server)}"}
        ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        answers = [http.get(server.url + "/v1/integrations", headers=auth)]
        answers += [http.post(server.url + "/mcp", headers=auth, json=ping) for _ in range(3)]
        assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
        limited = answers[-1]
        assert limited.status_code == 429
        assert limited.json()["code"] == "rate_limited"
        assert int(limited.headers["retry-after"]) >= 1
        assert server.stop() == 0
